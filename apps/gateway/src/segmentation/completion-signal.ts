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
   * Resolves when one of `ids` is announced, after `timeoutMs`, or on abort — whichever comes first — with the rows
   * that came with the announcements (those announced in the same turn of the event loop are collected together).
   */
  next(ids: ReadonlySet<string>, timeoutMs: number, signal?: AbortSignal): Promise<Map<string, SegmentationRequest>> {
    return new Promise((resolve) => {
      const rows = new Map<string, SegmentationRequest>();
      let settled = false;
      const done = () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        unsubscribe();
        signal?.removeEventListener('abort', done);
        resolve(rows);
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      let scheduled = false;
      const unsubscribe = this.subscribe((id, row) => {
        if (!ids.has(id)) return;
        if (row) rows.set(id, row);
        if (!scheduled) {
          scheduled = true;
          queueMicrotask(done);
        }
      });
      if (signal?.aborted) done();
      else signal?.addEventListener('abort', done, { once: true });
    });
  }
}
