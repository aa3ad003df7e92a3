import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import {
  PipelineError,
  type PipelineErrorCode,
  type SamAmgSettings,
  type SamDecodeResult,
  type SamGeometry,
  type SamPostProcessor,
  type SamPostSession,
  type SamProposals,
} from '@refdiff/pipeline';
import { forTransfer, type FromThread, type ThreadError, type ToThread } from './cpu-thread.protocol';

export interface CpuPoolOptions {
  /** worker threads (≥ 1; a pool of 0 is no pool: use the pipeline's inline processor) */
  readonly threads: number;
  /**
   * decoder batches a session may have handed over and not yet processed; addBatch waits beyond it, so one image
   * holds at most this many batches of logits (each [P, 3, 256, 256] float32) in the pool's queues
   */
  readonly maxPendingBatches?: number;
  readonly logger?: Logger;
}

interface Slot {
  readonly index: number;
  worker: Worker | null;
  readonly sessions: Map<number, ThreadSession>;
}

function fromThreadError(e: ThreadError): Error {
  if (e.code) return new PipelineError(e.code as PipelineErrorCode, e.message);
  return new PipelineError('INTERNAL', `CPU thread: ${e.name}: ${e.message}`);
}

/**
 * A bounded pool of worker threads for the GPU worker's heavy typed-array stages — SAM's post-processing (each
 * image's session stays on one thread, which holds its candidates). Batches travel by transfer (or shared memory),
 * never by a structured-clone copy. Queues are bounded per session (`maxPendingBatches`), and sessions by the
 * worker's concurrency limit (one per image in the engine), which already answers RESOURCE_EXHAUSTED beyond its
 * queue. A thread that dies fails its sessions (INTERNAL) and is replaced on the next open.
 */
export class CpuThreadPool implements SamPostProcessor {
  readonly threads: number;
  readonly maxPendingBatches: number;
  private readonly slots: Slot[];
  private nextSession = 1;
  private closed = false;
  private readonly log: Logger | undefined;

  constructor(options: CpuPoolOptions) {
    if (!Number.isInteger(options.threads) || options.threads < 1) throw new RangeError(`threads must be ≥ 1, got ${options.threads}`);
    this.threads = options.threads;
    this.maxPendingBatches = options.maxPendingBatches ?? 2;
    if (!Number.isInteger(this.maxPendingBatches) || this.maxPendingBatches < 1) throw new RangeError('maxPendingBatches must be ≥ 1');
    this.log = options.logger;
    // threads start at once: loading the TypeScript sources takes a few seconds, not to be paid by a request
    this.slots = Array.from({ length: this.threads }, (_, index) => ({ index, worker: null, sessions: new Map() }));
    for (const slot of this.slots) this.spawn(slot);
  }

  /** Open sessions and the batches they have in the queues, for logs and tests. */
  stats(): { threads: number; sessions: number; pendingBatches: number } {
    let sessions = 0;
    let pendingBatches = 0;
    for (const slot of this.slots) {
      sessions += slot.sessions.size;
      for (const s of slot.sessions.values()) pendingBatches += s.pending;
    }
    return { threads: this.threads, sessions, pendingBatches };
  }

  open(geometry: SamGeometry, settings: SamAmgSettings): SamPostSession {
    if (this.closed) throw new PipelineError('INTERNAL', 'the CPU thread pool is closed');
    // the thread with the fewest open sessions (images) gets the new one
    let slot = this.slots[0];
    for (const s of this.slots) if (s.sessions.size < slot.sessions.size) slot = s;
    const worker = slot.worker ?? this.spawn(slot);
    const id = this.nextSession++;
    const session = new ThreadSession(id, worker, this.maxPendingBatches, () => {
      slot.sessions.delete(id);
      if (slot.sessions.size === 0) slot.worker?.unref();
    });
    slot.sessions.set(id, session);
    worker.ref(); // a session waits on this thread: keep the process alive for it
    session.send({ op: 'open', session: id, geometry, settings });
    return session;
  }

  /** Terminates the threads; open sessions fail. */
  async close(): Promise<void> {
    this.closed = true;
    const workers = this.slots.map((s) => s.worker).filter((w): w is Worker => w !== null);
    for (const slot of this.slots) {
      for (const s of [...slot.sessions.values()]) s.fail(new PipelineError('INTERNAL', 'the CPU thread pool was closed'));
      slot.worker = null;
    }
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private spawn(slot: Slot): Worker {
    const worker = new Worker(new URL('./cpu-thread.bootstrap.mjs', import.meta.url), { execArgv: [], name: `refdiff-cpu-${slot.index}` });
    slot.worker = worker;
    worker.unref(); // idle threads never keep the process alive
    worker.on('message', (msg: FromThread) => slot.sessions.get(msg.session)?.receive(msg));
    const fail = (why: string) => {
      if (slot.worker !== worker) return;
      slot.worker = null;
      if (!this.closed) this.log?.error({ thread: slot.index, why }, 'CPU pool thread died; its sessions fail, it is replaced on the next image');
      for (const s of [...slot.sessions.values()]) s.fail(new PipelineError('INTERNAL', `CPU pool thread ${slot.index} died: ${why}`));
    };
    worker.on('error', (err) => fail(err.message));
    worker.on('exit', (code) => fail(`exit code ${code}`));
    return worker;
  }
}

/** One image's session on one thread (see SamPostSession). */
class ThreadSession implements SamPostSession {
  /** batches handed over and not yet processed */
  pending = 0;
  private workMs = 0;
  private error: Error | null = null;
  private state: 'open' | 'finishing' | 'done' = 'open';
  private readonly waiters: (() => void)[] = [];
  private finished: { resolve: (v: { proposals: SamProposals; workMs: number }) => void; reject: (e: Error) => void } | null = null;

  constructor(
    private readonly id: number,
    private readonly worker: Worker,
    private readonly maxPending: number,
    private readonly detach: () => void,
  ) {}

  send(msg: ToThread, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(msg, transfer);
  }

  async addBatch(decoded: SamDecodeResult, firstPoint: number): Promise<void> {
    if (this.error) throw this.error;
    if (this.state !== 'open') throw new PipelineError('INTERNAL', 'SAM post-processing session is not open');
    const transfer = new Set<ArrayBuffer>();
    const iouScores = forTransfer(decoded.iouScores, transfer);
    const lowResLogits = forTransfer(decoded.lowResLogits, transfer);
    this.pending++;
    this.send({ op: 'batch', session: this.id, firstPoint, points: decoded.points, iouScores, lowResLogits }, [...transfer]);
    while (this.pending >= this.maxPending && !this.error) await new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.error) throw this.error;
  }

  finish(): Promise<{ proposals: SamProposals; workMs: number }> {
    if (this.error) return Promise.reject(this.error);
    if (this.state !== 'open') return Promise.reject(new PipelineError('INTERNAL', 'SAM post-processing session is not open'));
    this.state = 'finishing';
    return new Promise((resolve, reject) => {
      this.finished = { resolve, reject };
      this.send({ op: 'finish', session: this.id });
    });
  }

  close(): void {
    if (this.state === 'done') return;
    this.end(new PipelineError('INTERNAL', 'SAM post-processing session closed'));
    this.send({ op: 'close', session: this.id });
  }

  receive(msg: FromThread): void {
    this.workMs += msg.workMs;
    if (msg.op === 'batchDone') {
      this.pending--;
      if (msg.error) this.error ??= fromThreadError(msg.error);
      this.wake();
      return;
    }
    const finished = this.finished;
    this.finished = null;
    this.end();
    if (!finished) return;
    if (msg.error || !msg.proposals) finished.reject(msg.error ? fromThreadError(msg.error) : new PipelineError('INTERNAL', 'no proposals'));
    else finished.resolve({ proposals: msg.proposals, workMs: this.workMs });
  }

  /** The thread is gone (or the pool closed): everything waiting on this session fails. */
  fail(err: Error): void {
    this.error ??= err;
    this.end(this.error);
  }

  /** No more messages for this session; a finish still waiting fails with `err`. */
  private end(err?: Error): void {
    this.state = 'done';
    const finished = this.finished;
    this.finished = null;
    if (finished) finished.reject(err ?? new PipelineError('INTERNAL', 'SAM post-processing session ended'));
    this.wake();
    this.detach();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}
