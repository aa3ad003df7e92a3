import type { ModelCallQueue } from './model-call-queue';
import { abortedError, throwIfAborted, toEngineError } from './segment.errors';

/**
 * Per-request bookkeeping: every model call goes through `model()`, which checks the abort signal first (work stops
 * between model calls), counts the call by role, times it, and maps shape errors in the outputs to PACK_MISMATCH.
 * With the engine's model-call queue, the call waits there for a slot (`priority`: the request's arrival number).
 */
export class CallContext {
  readonly calls: Record<string, number> = {};
  readonly timings: Record<string, number> = {};

  constructor(
    readonly signal: AbortSignal | undefined,
    private readonly queue: ModelCallQueue | null = null,
    private readonly priority = 0,
  ) {}

  checkAbort(): void {
    throwIfAborted(this.signal);
  }

  async model<T>(role: string, fn: () => Promise<T>): Promise<T> {
    this.checkAbort();
    this.calls[role] = (this.calls[role] ?? 0) + 1;
    try {
      return await (this.queue ? this.queue.run(this.priority, fn, this.signal) : fn());
    } catch (err) {
      if (this.signal?.aborted) throw abortedError(this.signal);
      throw toEngineError(err, 'model-output');
    }
  }

  /** Times a stage (sync or async) into `timings[name]` (accumulating). */
  async time<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.timings[name] = (this.timings[name] ?? 0) + (performance.now() - t0);
    }
  }
}
