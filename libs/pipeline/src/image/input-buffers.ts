import { PipelineError } from '../errors/pipeline.errors';

/**
 * A buffer viewed as [planes, rows, cols] and the part of it a preparation writes: columns x0..x1−1 of rows y0..y1−1
 * in every plane (SAM's input: [3, L, L] with the resized image top-left; a centred square of interleaved RGB bytes:
 * [1, S, 3·S] with the image's rows and byte columns).
 */
export interface PaddedLayout {
  readonly planes: number;
  readonly rows: number;
  readonly cols: number;
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/**
 * A buffer lent by an InputBufferPool. `data` is the borrower's until `release()`; after that the pool may lend it
 * to the next preparation, so nothing may read or write it any more (a model call must have settled). `release()`
 * can be called more than once; only the first call counts.
 */
export interface InputLease<T extends Float32Array | Uint8Array> {
  readonly data: T;
  release(): void;
}

type PoolArray = Float32Array | Uint8Array;

interface Entry {
  readonly key: string;
  readonly data: PoolArray;
  /** the values outside this rectangle are 0 (in every plane); inside, whatever the last borrower wrote */
  written: PaddedLayout | null;
}

/** bytes of free buffers kept by default: one SAM input (12.6 MB), one SD input at 1024, a few squares */
const DEFAULT_MAX_FREE_BYTES = 48 * 2 ** 20;
/** free buffers kept per layout */
const DEFAULT_MAX_FREE_PER_LAYOUT = 2;

/**
 * Reused input tensors and rasters, one pool per engine. A fresh 12.6 MB Float32Array costs ~2,300 page faults on
 * first touch (and the kernel zeroes every page): on this VM 25–30 ms, more than the SAM resize itself. A lent
 * buffer is zero outside the layout's written rectangle (only what the previous borrower wrote there is cleared, once)
 * and holds stale values inside it, which the borrower overwrites in full. Concurrent preparations each get their own
 * buffer (a buffer is in at most one lease); the pool keeps at most `maxFreePerLayout` free buffers per layout and
 * `maxFreeBytes` in all (oldest out), so it never holds more than the last few images' inputs.
 */
export class InputBufferPool {
  private readonly free: Entry[] = [];
  private freeBytes = 0;

  constructor(
    private readonly maxFreeBytes = DEFAULT_MAX_FREE_BYTES,
    private readonly maxFreePerLayout = DEFAULT_MAX_FREE_PER_LAYOUT,
  ) {}

  /** A [planes, rows, cols] Float32Array whose values outside the written rectangle are 0. */
  float32(layout: PaddedLayout): InputLease<Float32Array> {
    return this.lend('f32', layout, (n) => new Float32Array(n)) as InputLease<Float32Array>;
  }

  /** A [planes, rows, cols] Uint8Array whose values outside the written rectangle are 0. */
  uint8(layout: PaddedLayout): InputLease<Uint8Array> {
    return this.lend('u8', layout, (n) => new Uint8Array(n)) as InputLease<Uint8Array>;
  }

  /** free buffers held (for tests and metrics) */
  stats(): { buffers: number; bytes: number } {
    return { buffers: this.free.length, bytes: this.freeBytes };
  }

  private lend(type: string, layout: PaddedLayout, make: (n: number) => PoolArray): InputLease<PoolArray> {
    checkLayout(layout);
    const { planes, rows, cols } = layout;
    const key = `${type}:${planes}x${rows}x${cols}`;
    let entry: Entry | undefined;
    for (let i = this.free.length - 1; i >= 0; i--) {
      if (this.free[i].key === key) {
        entry = this.free[i];
        this.free.splice(i, 1);
        this.freeBytes -= entry.data.byteLength;
        break;
      }
    }
    if (!entry) entry = { key, data: make(planes * rows * cols), written: null };
    else if (entry.written) clearOutside(entry.data, entry.written, layout);
    entry.written = layout;
    const e = entry;
    let released = false;
    return {
      data: e.data,
      release: () => {
        if (released) return;
        released = true;
        this.keep(e);
      },
    };
  }

  private keep(entry: Entry): void {
    this.free.push(entry);
    this.freeBytes += entry.data.byteLength;
    let same = 0;
    for (let i = this.free.length - 1; i >= 0; i--) {
      if (this.free[i].key !== entry.key) continue;
      if (++same > this.maxFreePerLayout) this.drop(i);
    }
    while (this.freeBytes > this.maxFreeBytes && this.free.length > 0) this.drop(0);
  }

  private drop(i: number): void {
    this.freeBytes -= this.free[i].data.byteLength;
    this.free.splice(i, 1);
  }
}

function checkLayout(l: PaddedLayout): void {
  const ints = [l.planes, l.rows, l.cols, l.x0, l.y0, l.x1, l.y1];
  if (
    !ints.every((v) => Number.isInteger(v) && v >= 0) ||
    l.planes === 0 ||
    l.x0 > l.x1 ||
    l.y0 > l.y1 ||
    l.x1 > l.cols ||
    l.y1 > l.rows
  ) {
    throw new PipelineError('INVALID_SHAPE', `bad padded layout ${JSON.stringify(l)}`);
  }
}

/** Zeroes what `was` covers and `now` does not, in every plane (both have the buffer's planes, rows and cols). */
function clearOutside(data: PoolArray, was: PaddedLayout, now: PaddedLayout): void {
  const { planes, rows, cols } = now;
  if (was.x1 <= was.x0 || was.y1 <= was.y0) return;
  for (let p = 0; p < planes; p++) {
    const base = p * rows * cols;
    for (let y = was.y0; y < was.y1; y++) {
      const r = base + y * cols;
      if (y < now.y0 || y >= now.y1 || now.x1 <= now.x0) {
        data.fill(0, r + was.x0, r + was.x1);
        continue;
      }
      if (was.x0 < now.x0) data.fill(0, r + was.x0, r + Math.min(was.x1, now.x0));
      if (was.x1 > now.x1) data.fill(0, r + Math.max(was.x0, now.x1), r + was.x1);
    }
  }
}

/** The `release()` of a preparation made without a pool: its buffer is its own, nothing goes back. */
export function releaseNothing(): void {
  // a fresh buffer, collected with its last reference
}
