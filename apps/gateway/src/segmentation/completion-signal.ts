/**
 * Wakes long-polling waiters when a request reaches a final state. Finishing and cancelling both `pg_notify` on
 * DONE_CHANNEL inside their transactions, so a waiter on any replica hears about work done by any other; waiters
 * also re-check on a slow timer, so a lost notification costs latency, never correctness.
 */
export type CompletionListener = (requestId: string) => void;

export class CompletionSignal {
  private readonly listeners = new Set<CompletionListener>();

  /** Called by the database listener (LISTEN) for each notification. */
  emit(requestId: string): void {
    for (const l of this.listeners) l(requestId);
  }

  subscribe(listener: CompletionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves when one of `ids` is announced, after `timeoutMs`, or on abort — whichever comes first. */
  next(ids: ReadonlySet<string>, timeoutMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        unsubscribe();
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, timeoutMs));
      const unsubscribe = this.subscribe((id) => {
        if (ids.has(id)) done();
      });
      if (signal?.aborted) done();
      else signal?.addEventListener('abort', done, { once: true });
    });
  }
}
