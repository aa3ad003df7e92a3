/**
 * Download progress for `refdiff models pull`: on a terminal, one bar per file redrawn in place (bytes, rate, ETA);
 * elsewhere (logs, CI), one line per finished file.
 */
import { formatBytes } from './download';

export interface PullProgress {
  /** a file is about to be downloaded (`resumedFrom` bytes are already on disk) */
  start(label: string, total: number, resumedFrom: number): void;
  update(done: number): void;
  /** the file is complete (verified and in the cache) */
  finish(): void;
  /** the download failed: leave the line as it is */
  fail(): void;
  /** a short note, e.g. a file found in the cache */
  note(text: string): void;
}

export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** One progress line: `label  [#####.....]  45% 1.2 GB/3.4 GB  41.0 MB/s  ETA 0:53`, fitted to `columns`. */
export function renderProgressLine(label: string, done: number, total: number, rate: number, columns: number): string {
  const pct = total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 100;
  const eta = rate > 0 ? formatDuration((total - done) / rate) : '--:--';
  const tail = ` ${String(pct).padStart(3)}% ${formatBytes(done)}/${formatBytes(total)}  ${rate > 0 ? `${formatBytes(rate)}/s` : '-- B/s'}  ETA ${eta}`;
  const barWidth = Math.max(10, Math.min(30, columns - tail.length - 24));
  const filled = Math.round((pct / 100) * barWidth);
  const bar = ` [${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]`;
  const room = Math.max(8, columns - 1 - bar.length - tail.length);
  const name = label.length > room ? `…${label.slice(label.length - room + 1)}` : label.padEnd(room);
  return `${name}${bar}${tail}`.slice(0, Math.max(columns - 1, 20));
}

/** Rate over the last few seconds, so a stall shows. */
class RateMeter {
  private samples: { t: number; bytes: number }[] = [];
  constructor(private readonly windowMs = 5000) {}
  add(t: number, bytes: number): void {
    this.samples.push({ t, bytes });
    while (this.samples.length > 2 && t - this.samples[0].t > this.windowMs) this.samples.shift();
  }
  rate(): number {
    if (this.samples.length < 2) return 0;
    const a = this.samples[0];
    const b = this.samples[this.samples.length - 1];
    return b.t > a.t ? ((b.bytes - a.bytes) * 1000) / (b.t - a.t) : 0;
  }
}

export function createProgress(stream: ProgressStream, options: { now?: () => number; tty?: boolean } = {}): PullProgress {
  const now = options.now ?? (() => Date.now());
  const tty = options.tty ?? Boolean(stream.isTTY);
  let label = '';
  let total = 0;
  let done = 0;
  let startedAt = 0;
  let resumed = 0;
  let lastDraw = 0;
  let meter = new RateMeter();
  const draw = (force: boolean) => {
    const t = now();
    if (!force && t - lastDraw < 100) return;
    lastDraw = t;
    stream.write(`\r\x1b[2K${renderProgressLine(label, done, total, meter.rate(), stream.columns ?? 80)}`);
  };
  return {
    start(l, t, resumedFrom) {
      label = l;
      total = t;
      done = resumedFrom;
      resumed = resumedFrom;
      startedAt = now();
      meter = new RateMeter();
      meter.add(startedAt, done);
      if (tty) draw(true);
    },
    update(d) {
      done = d;
      meter.add(now(), d);
      if (tty) draw(false);
    },
    finish() {
      const seconds = (now() - startedAt) / 1000;
      const fetched = done - resumed;
      const avg = seconds > 0 ? fetched / seconds : 0;
      if (tty) {
        stream.write(`\r\x1b[2K${renderProgressLine(label, done, total, avg, stream.columns ?? 80)}\n`);
      } else {
        stream.write(
          `downloaded ${label} (${formatBytes(total)}${resumed > 0 ? `, resumed from ${formatBytes(resumed)}` : ''}` +
            `${seconds >= 0.5 && avg > 0 ? `, ${formatBytes(avg)}/s` : ''})\n`,
        );
      }
    },
    fail() {
      if (tty) stream.write('\n');
    },
    note(text) {
      stream.write(`${text}\n`);
    },
  };
}

/** Progress that prints nothing (library use, tests). */
const ignore = (): void => undefined;
export const silentProgress: PullProgress = { start: ignore, update: ignore, finish: ignore, fail: ignore, note: ignore };
