/**
 * Moves queued segmentation requests to the workers. Requests are stored first (the `segment` mutation only
 * inserts); each replica's dispatcher claims rows with SKIP LOCKED under a lease, batches the claimed rows of one
 * image and options into one worker call, keeps the lease alive while the call runs, and records each result and
 * its usage in one statement guarded by the lease. Retryable failures (worker unreachable, overloaded, timed out)
 * go back to the queue with exponential backoff until `maxAttempts`; rows of a replica that died are re-claimed once
 * their lease expires. On a graceful stop, rows in flight are handed back at once.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { SegmentOptions, SegmentResponse__Output } from '@refdiff/worker-contract';
import type { SegmentationRequest } from '../__generated__/prisma/client';
import type { ClaimedRequest, FailureOutcome, QueueRepository, SuccessOutcome } from './queue.repository';
import { encodeAttentionPng } from './attention-png';
import { ResultRecorder } from './result-recorder';
import { storable, storableText } from './storable';
import { WorkerTaskError, type WorkerPool } from './worker-pool';
import type { GatewayMetrics } from '../metrics/gateway-metrics';

export interface DispatcherOptions {
  /** Lease owner id; unique per replica. */
  owner?: string;
  leaseMs?: number;
  /** Idle poll interval (a NOTIFY on new work wakes the loop earlier). */
  pollMs?: number;
  /** Worker call deadline (a hung worker); the lease is renewed while the call runs, so it may exceed the lease. */
  callDeadlineMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Most rows claimed per worker call (expressions sent together for one image). */
  maxBatch?: number;
  /**
   * `tenant` (default): each tenant's images live in their own namespace of the workers' image caches (one per
   * tenant and image id, so a deleted image's entries are never used again), so a tenant
   * never gets a cache hit — a faster, cheaper answer — on bytes another tenant processed. `global`: one shared
   * namespace (more hits when tenants upload the same images; leaks that someone processed them). IMAGE_CACHE_SCOPE.
   */
  imageCacheScope?: 'tenant' | 'global';
  /**
   * Most results in one result statement (default 64): calls that finish while one runs are recorded together in
   * the next (result-recorder.ts); 1 records each call's results on their own.
   */
  maxResultsPerStatement?: number;
  /** Where dispatch figures go (latency, results, retries, queue wait); the services' GatewayMetrics. */
  metrics?: GatewayMetrics;
  /** Rows this dispatcher finished, as committed (runtime.ts: to this process's waiters, before the NOTIFY comes back). */
  onFinished?: (rows: readonly SegmentationRequest[]) => void;
  /** After each result statement, written or not (after `onFinished`): the ids it was for. */
  onFinishSettled?: (ids: readonly string[]) => void;
}

/** A worker slot promised to a batch this process is queueing (Dispatcher.reserve). */
export interface Handoff {
  /** Queue the batch's rows leased to this dispatcher, in the statement that inserts them (insertBatch). */
  readonly lease: { owner: string; leaseMs: number };
  /** The batch was queued (without a NOTIFY) with the lease: run its rows, as claimed. */
  take(rows: readonly ClaimedRequest[]): void;
  /** Nothing was queued (or someone else should take it): give the slot back. */
  release(): void;
}

interface Group {
  key: string;
  tenantId: string;
  imageId: string;
  options: SegmentOptions;
  rows: ClaimedRequest[];
}

export class Dispatcher {
  readonly owner: string;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly imageCacheScope: 'tenant' | 'global';
  private readonly callDeadlineMs: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly maxBatch: number;
  private readonly metrics: GatewayMetrics | undefined;
  private readonly onFinished: ((rows: readonly SegmentationRequest[]) => void) | undefined;
  private readonly onFinishSettled: ((ids: readonly string[]) => void) | undefined;
  /** Ids whose result statement is under way here: their committed rows are about to reach `onFinished`. */
  private readonly finishing = new Set<string>();
  private readonly inFlight = new Map<string, { group: Group; abort: AbortController }>();
  private running = false;
  private loop: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  /** a wake-up that came while the loop was busy (claiming): the next sleep returns at once */
  private woken = false;
  /**
   * Rows may be due that no claim of ours has taken: at the start, after a NOTIFY (work queued elsewhere), after a
   * claim that filled every free slot, when a retry's backoff ends. Otherwise a finished call claims nothing (the
   * last claim found nothing more due), and only the poll looks again (expired leases of a replica that died).
   */
  private due = true;
  private lastClaimAt = 0;
  /** slots promised to batches being queued here (reserve), not yet launched */
  private reserved = 0;
  private readonly taking = new Set<Promise<void>>();
  private renewTimer: NodeJS.Timeout | undefined;
  private readonly stopController = new AbortController();
  /** Group commit of results (result-recorder.ts). */
  readonly recorder: ResultRecorder;

  constructor(
    private readonly queue: QueueRepository,
    private readonly pool: WorkerPool,
    private readonly logger: Logger,
    options: DispatcherOptions = {},
  ) {
    this.owner = options.owner ?? `gw-${randomUUID()}`;
    this.leaseMs = options.leaseMs ?? 60_000;
    this.pollMs = options.pollMs ?? 1_000;
    this.callDeadlineMs = options.callDeadlineMs ?? 300_000;
    this.backoffBaseMs = options.backoffBaseMs ?? 250;
    this.backoffMaxMs = options.backoffMaxMs ?? 15_000;
    this.maxBatch = options.maxBatch ?? 16;
    this.imageCacheScope = options.imageCacheScope ?? 'tenant';
    this.metrics = options.metrics;
    this.onFinished = options.onFinished;
    this.onFinishSettled = options.onFinishSettled;
    this.recorder = new ResultRecorder((items, at) => this.queue.finish(this.owner, items, at), Math.max(options.maxResultsPerStatement ?? 64, 1));
  }

  /**
   * Whether this dispatcher is recording `id`'s result now: a NOTIFY for it that comes back before the statement's
   * own answer can wait for the row that answer brings (runtime.ts), instead of sending waiters to read it.
   */
  isFinishing(id: string): boolean {
    return this.finishing.has(id);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.renewTimer = setInterval(() => void this.renewLeases(), Math.max(50, Math.floor(this.leaseMs / 3)));
    this.renewTimer.unref();
    this.loop = this.run();
  }

  /** New work was queued by another process (NOTIFY), or a retry became due: the loop claims. */
  notified(): void {
    this.due = true;
    this.wake();
  }

  /**
   * A worker slot for a batch this process is about to queue — when this dispatcher runs, has a slot free and its
   * last claim left nothing due (so the batch jumps no older work) — or null (queue it with a NOTIFY as usual). The
   * database stays the record: the batch is inserted already leased to this dispatcher, as a claim would lease it
   * (one statement fewer), so a crash before the worker call leaves its rows to the next claim of any replica once
   * the lease expires, and the status trigger still announces each row QUEUED, then RUNNING.
   */
  reserve(): Handoff | null {
    if (!this.running || this.due || this.pool.capacity() - this.inFlight.size - this.reserved <= 0) return null;
    this.reserved += 1;
    let open = true;
    const close = () => {
      if (!open) return false;
      open = false;
      return true;
    };
    return {
      lease: { owner: this.owner, leaseMs: this.leaseMs },
      take: (rows) => {
        if (!close()) return;
        const p = this.takeLeased(rows).finally(() => {
          this.reserved -= 1;
          this.taking.delete(p);
        });
        this.taking.add(p);
      },
      release: () => {
        if (close()) this.reserved -= 1;
      },
    };
  }

  private async takeLeased(rows: readonly ClaimedRequest[]): Promise<void> {
    try {
      if (rows.length === 0) return;
      if (!this.running) {
        for (const row of rows) await this.queue.requeue(row.tenantId, row.id, this.owner, 0, null, true).catch(() => false);
        return;
      }
      const now = Date.now();
      for (const r of rows) this.metrics?.queueWaitSeconds.observe(Math.max(0, now - new Date(r.createdAt).getTime()) / 1000);
      await this.launch([...rows], 1);
    } catch (err) {
      // the rows stay leased: the next claim after the lease expires takes them
      this.logger.error({ err }, 'running handed-off rows failed');
    }
  }

  /** Wakes the claim loop (a worker call finished, or new work); remembered if it is not asleep. */
  wake(): void {
    if (this.wakeUp) this.wakeUp();
    else this.woken = true;
  }

  /**
   * Stops claiming. `graceful` waits for calls in flight; otherwise they are aborted and their rows handed back to
   * the queue without spending an attempt. `abandon` (tests: a replica that dies) leaves the rows leased.
   */
  async stop(mode: 'graceful' | 'handback' | 'abandon' = 'handback'): Promise<void> {
    this.running = false;
    this.wake();
    if (this.renewTimer) clearInterval(this.renewTimer);
    if (mode === 'abandon') {
      this.stopController.abort();
      for (const f of this.inFlight.values()) f.abort.abort();
      await this.loop;
      return;
    }
    await Promise.all([...this.taking]);
    if (mode === 'handback') for (const f of this.inFlight.values()) f.abort.abort();
    await this.loop;
    while (this.inFlight.size > 0) await new Promise((r) => setTimeout(r, 20));
  }

  /** Results and failures this dispatcher recorded (for tests and the admin view). */
  finishedCount = 0;

  inFlightCount(): number {
    let n = 0;
    for (const f of this.inFlight.values()) n += f.group.rows.length;
    return n;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let free = this.pool.capacity() - this.inFlight.size - this.reserved;
      try {
        if (free > 0 && (this.due || Date.now() - this.lastClaimAt >= this.pollMs)) {
          // cleared before the claim: a NOTIFY that comes while it runs sets it again
          this.due = false;
          this.lastClaimAt = Date.now();
          const rows = await this.queue.claim(this.owner, free, this.maxBatch, this.leaseMs);
          // As many calls' rows as asked for: more may be due; fewer: nothing more is due now.
          if (groupCount(rows, this.maxBatch) >= free) this.due = true;
          const now = Date.now();
          for (const r of rows) this.metrics?.queueWaitSeconds.observe(Math.max(0, now - new Date(r.createdAt).getTime()) / 1000);
          if (rows.length > 0) await this.launch(rows, free);
          free = this.pool.capacity() - this.inFlight.size - this.reserved;
        }
      } catch (err) {
        this.logger.error({ err }, 'claim failed');
      }
      if (!this.running) break;
      if (this.due && free > 0) await this.sleep(0);
      else await this.sleep(free > 0 ? Math.max(0, this.pollMs - (Date.now() - this.lastClaimAt)) : this.pollMs);
    }
  }

  /** Resolves after `ms` or on a wake-up; true when the time ran out (a poll is due). */
  private sleep(ms: number): Promise<boolean> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve(false);
    }
    return new Promise((resolve) => {
      const done = (timedOut: boolean) => {
        clearTimeout(t);
        if (this.wakeUp === wake) this.wakeUp = undefined;
        resolve(timedOut);
      };
      const wake = () => done(false);
      const t = setTimeout(() => done(true), ms);
      this.wakeUp = wake;
    });
  }

  private async launch(rows: ClaimedRequest[], slots: number): Promise<void> {
    const open = new Map<string, Group>();
    const all: Group[] = [];
    for (const row of rows) {
      const options = (row.options ?? {}) as SegmentOptions;
      const key = `${row.tenantId}|${row.imageId}|${JSON.stringify(options)}`;
      let g = open.get(key);
      if (!g || g.rows.length >= this.maxBatch) {
        g = { key: `${key}|${row.id}`, tenantId: row.tenantId, imageId: row.imageId, options, rows: [] };
        open.set(key, g);
        all.push(g);
      }
      g.rows.push(row);
    }
    for (const g of all.slice(0, slots)) {
      const abort = new AbortController();
      this.inFlight.set(g.key, { group: g, abort });
      void this.process(g, abort.signal).finally(() => {
        this.inFlight.delete(g.key);
        this.wake();
      });
    }
    // The claim takes at most `slots` calls' rows; should a row group differently here, it goes back (no attempt spent).
    for (const g of all.slice(slots)) {
      for (const row of g.rows) await this.queue.requeue(row.tenantId, row.id, this.owner, 0, null, true);
    }
  }

  private async process(g: Group, signal: AbortSignal): Promise<void> {
    // Rows re-claimed after their lease expired too often are given up on.
    const live: ClaimedRequest[] = [];
    const exhausted: ClaimedRequest[] = [];
    for (const row of g.rows) (row.attempts > row.maxAttempts ? exhausted : live).push(row);
    if (exhausted.length > 0) {
      await this.finish(
        exhausted.map((row) => ({
          row,
          outcome: { status: 'FAILED', worker: null, errorCode: 'ATTEMPTS_EXHAUSTED', errorMessage: `gave up after ${row.maxAttempts} attempts`, gpuMs: 0 },
        })),
      );
    }
    if (live.length === 0) return;
    // read by the claim, with the rows (every row of a group has the same tenant and image)
    const sha256 = live[0].imageSha256;
    if (!sha256) {
      await this.finish(
        live.map((row) => ({
          row,
          outcome: { status: 'FAILED', worker: null, errorCode: 'IMAGE_MISSING', errorMessage: 'the image no longer exists', gpuMs: 0 },
        })),
      );
      return;
    }
    const started = performance.now();
    const observe = (outcome: 'ok' | 'error') => this.metrics?.dispatchSeconds.observe({ outcome }, (performance.now() - started) / 1000);
    try {
      const reply = await this.pool.segment({
        requestId: live[0].batchId,
        sha256,
        // Per tenant and image: within a tenant an image id and its sha256 go together (one row per bytes), so hits
        // are the same; once the image is deleted its id is never used again, so nothing the workers cached for it
        // can serve a later upload of the same bytes (docs/gateway.md, "Deleting data").
        cacheNamespace: this.imageCacheScope === 'tenant' ? `t:${g.tenantId}:i:${g.imageId}` : '',
        // Bytes are read from the database only when the worker does not hold the image.
        loadImage: async () => {
          const image = await this.queue.imageData(g.tenantId, g.imageId);
          if (!image) throw new WorkerTaskError('IMAGE_MISSING', 'the image no longer exists', false, null);
          return image.data;
        },
        expressions: live.map((r) => r.expression),
        options: g.options,
        deadlineMs: this.callDeadlineMs,
        signal,
      });
      observe('ok');
      const outcomes = toOutcomes(reply.response, reply.worker, live.length);
      // Attention maps (only when the request asked for them) are stored as 8-bit grayscale PNGs.
      await Promise.all(
        outcomes.map(async (o, i) => {
          const r = reply.response.results[i];
          if (o.status === 'SUCCEEDED' && r?.outcome === 'result' && r.result?.attention) o.attentionPng = await encodeAttentionPng(r.result.attention);
        }),
      );
      await this.finish(live.map((row, i) => ({ row, outcome: outcomes[i] })));
    } catch (err) {
      observe('error');
      if (this.stopController.signal.aborted) return; // abandoned: the lease expires and another replica takes over
      if (signal.aborted) {
        for (const row of live) await this.queue.requeue(row.tenantId, row.id, this.owner, 0, null, true).catch(() => false);
        return;
      }
      const e = err instanceof WorkerTaskError ? err : new WorkerTaskError('INTERNAL', String(err), false, null);
      const failed: { row: ClaimedRequest; outcome: FailureOutcome }[] = [];
      for (const row of live) {
        if (e.retryable && row.attempts < row.maxAttempts) {
          const delay = this.backoff(row.attempts);
          this.logger.warn({ id: row.id, attempt: row.attempts, worker: e.worker, code: e.code, delay }, 'worker call failed; retrying');
          this.metrics?.retries.inc({ code: e.code });
          await this.queue.requeue(row.tenantId, row.id, this.owner, delay, { code: storableText(e.code), message: storableText(e.message) }).catch((qe: unknown) =>
            this.logger.error({ err: qe, id: row.id }, 'requeue failed'),
          );
          // claim it again when its backoff ends (not only at the next poll)
          setTimeout(() => this.notified(), delay).unref();
        } else {
          failed.push({ row, outcome: { status: 'FAILED', worker: e.worker, errorCode: e.code, errorMessage: e.message, gpuMs: 0 } });
        }
      }
      if (failed.length > 0) await this.finish(failed);
    }
  }

  private async finish(items: { row: ClaimedRequest; outcome: SuccessOutcome | FailureOutcome }[]): Promise<void> {
    const ids = items.map(({ row }) => row.id);
    for (const id of ids) this.finishing.add(id);
    try {
      // grouped with other calls' results that come while a result statement runs (result-recorder.ts)
      // what the worker sent is stored as text and jsonb, which cannot hold U+0000 (storable.ts)
      const { written, rows, failed } = await this.recorder.record(items.map(({ row, outcome }) => ({ tenantId: row.tenantId, id: row.id, outcome: storable(outcome) })));
      if (rows.length > 0) this.onFinished?.(rows);
      const failedIds = new Set(failed.map((f) => f.id));
      written.forEach((ok, i) => {
        if (ok) {
          this.finishedCount += 1;
          this.metrics?.results.inc({ outcome: items[i].outcome.status === 'SUCCEEDED' ? 'succeeded' : 'failed' });
        } else if (!failedIds.has(items[i].row.id)) this.logger.info({ id: items[i].row.id }, 'result dropped: the request was cancelled or re-leased meanwhile');
      });
      // The lease will expire and these requests will run again; nothing was half-written for them (one statement).
      for (const f of failed) this.logger.error({ err: f.err, id: f.id }, 'recording a result failed');
    } finally {
      for (const id of ids) this.finishing.delete(id);
      this.onFinishSettled?.(ids);
    }
  }

  private backoff(attempt: number): number {
    const exp = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** Math.max(0, attempt - 1));
    return Math.round(exp * (0.8 + Math.random() * 0.4));
  }

  private async renewLeases(): Promise<void> {
    // Snapshot the groups now: groups launched while the query runs were not asked about.
    const groups = [...this.inFlight.values()];
    const ids = groups.flatMap((f) => f.group.rows.map((r) => r.id));
    if (ids.length === 0) return;
    try {
      const held = await this.queue.renew(this.owner, ids, this.leaseMs);
      // A group none of whose rows we still hold (all cancelled, or re-leased) is aborted: no point computing it.
      for (const f of groups) {
        if (this.inFlight.has(f.group.key) && f.group.rows.every((r) => !held.has(r.id))) f.abort.abort();
      }
    } catch (err) {
      this.logger.warn({ err }, 'lease renewal failed');
    }
  }
}

/** How many worker calls `launch` makes of these rows (one per tenant, image and options, maxBatch rows each). */
function groupCount(rows: readonly ClaimedRequest[], maxBatch: number): number {
  const sizes = new Map<string, number>();
  let n = 0;
  for (const row of rows) {
    const key = `${row.tenantId}|${row.imageId}|${JSON.stringify(row.options ?? {})}`;
    const k = sizes.get(key) ?? 0;
    if (k % maxBatch === 0) n += 1;
    sizes.set(key, k + 1);
  }
  return n;
}

/** Worker response → one outcome per expression (same order), with GPU time split: image-side time shared evenly. */
export function toOutcomes(response: SegmentResponse__Output, worker: string, n: number): (SuccessOutcome | FailureOutcome)[] {
  const sum = (t: Record<string, number> | undefined) => Object.values(t ?? {}).reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  const imageShare = sum(response.timingsMs) / Math.max(1, n);
  const out: (SuccessOutcome | FailureOutcome)[] = [];
  for (let i = 0; i < n; i++) {
    const o = response.results[i];
    if (!o) {
      out.push({ status: 'FAILED', worker, errorCode: 'INTERNAL', errorMessage: 'the worker returned fewer results than expressions', gpuMs: 0 });
      continue;
    }
    const r = o.outcome === 'result' ? o.result : null;
    const mask = r?.mask;
    const rle = mask?.rle;
    if (r && mask && rle) {
      const box = mask.bbox ?? { x0: 0, y0: 0, x1: -1, y1: -1 };
      out.push({
        status: 'SUCCEEDED',
        worker,
        maskRle: { size: [rle.height, rle.width], counts: rle.counts },
        maskBox: [box.x0, box.y0, box.x1, box.y1],
        maskArea: mask.area,
        score: r.score,
        scores: {
          chosen: r.chosen,
          proposals: r.proposals.map((p) => ({ ...p, bbox: p.bbox ? [p.bbox.x0, p.bbox.y0, p.bbox.x1, p.bbox.y1] : null })),
          directions: r.directions.map((d) => ({ cue: d.cue, index: d.index })),
        },
        rootWord: r.root?.word ?? null,
        attentionPng: null,
        timingsMs: { ...r.timingsMs, imageShare },
        gpuMs: Math.round(sum(r.timingsMs) + imageShare),
      });
    } else {
      out.push({
        status: 'FAILED',
        worker,
        errorCode: o.error?.code || 'INTERNAL',
        errorMessage: o.error?.message || 'the worker returned no result',
        gpuMs: Math.round(imageShare),
      });
    }
  }
  return out;
}
