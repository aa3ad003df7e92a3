/**
 * Wakes long-polling waiters when a request reaches a final state. Finishing and cancelling both `pg_notify` on
 * DONE_CHANNEL inside their transactions, so a waiter on any replica hears about work done by any other; waiters
 * also re-check on a slow timer, so a lost notification costs latency, never correctness. A request finished by this
 * process's dispatcher is announced here at once with its committed row (the NOTIFY follows), so a waiter here need
 * not read it again.
 */
import type { SegmentationRequest } from '../__generated__/prisma/client';

export type CompletionListener = (requestId: string, row?: SegmentationRequest) => void;

export class CompletionSignal {
  private readonly listeners = new Set<CompletionListener>();

  /** Called by the database listener (LISTEN) for each notification, and by this process's dispatcher with the row. */
  emit(requestId: string, row?: SegmentationRequest): void {
    for (const l of this.listeners) l(requestId, row);
  }

  subscribe(listener: CompletionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Announcements of `ids` (a live set: ids the caller deletes stop counting) from now until `close()`. A waiter
   * holds one across its database reads, so a request finished while a read that saw it unfinished ran still wakes
   * it at once — waiting on a fresh subscription after each read lost those, and the waiter slept until its slow
   * re-check (2 s in the platform bench's scaling part, 22 % of one level's throughput).
   */
  watch(ids: ReadonlySet<string>): CompletionWatch {
    let announced = false;
    let rows = new Map<string, SegmentationRequest>();
    let wake: (() => void) | null = null;
    const unsubscribe = this.subscribe((id, row) => {
      if (!ids.has(id)) return;
      if (row) rows.set(id, row);
      if (!announced) {
        announced = true;
        // those announced in the same turn of the event loop are collected together
        if (wake) queueMicrotask(wake);
      }
    });
    return {
      next: (timeoutMs, signal) =>
        new Promise((resolve) => {
          const done = () => {
            if (wake !== done) return;
            wake = null;
            clearTimeout(timer);
            signal?.removeEventListener('abort', done);
            const out = rows;
            rows = new Map();
            announced = false;
            resolve(out);
          };
          wake = done;
          const timer = setTimeout(done, Math.max(0, timeoutMs));
          if (announced || signal?.aborted) queueMicrotask(done);
          else signal?.addEventListener('abort', done, { once: true });
        }),
      close: unsubscribe,
    };
  }
}

export interface CompletionWatch {
  /**
   * Resolves at once when one of the ids was announced since the last call, else when one is, after `timeoutMs`, or
   * on abort — with the rows that came with the announcements since the last call.
   */
  next(timeoutMs: number, signal?: AbortSignal): Promise<Map<string, SegmentationRequest>>;
  close(): void;
}
