/**
 * An async iterator fed by pushes. Unlike an async generator, `return()` takes effect at once even while a consumer
 * is waiting in `next()` (a generator suspended in an `await` would only see it at its next `yield`), so a
 * subscription whose socket closed releases its listener and limits immediately.
 */
export class PushIterator<T> implements AsyncIterableIterator<T> {
  private readonly queue: T[] = [];
  private waiting: { resolve: (r: IteratorResult<T>) => void; reject: (err: unknown) => void } | null = null;
  private ending = false;
  private failure: { err: unknown } | null = null;
  private isClosed = false;

  constructor(private readonly onClose: () => void) {}

  get closed(): boolean {
    return this.isClosed;
  }

  push(value: T): void {
    if (this.isClosed || this.ending) return;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w.resolve({ value, done: false });
    } else {
      this.queue.push(value);
    }
  }

  /** Completes after what is queued has been read. */
  end(): void {
    if (this.isClosed || this.ending) return;
    this.ending = true;
    if (this.waiting) this.settle();
  }

  /** Fails the consumer's next read (after what is queued). */
  fail(err: unknown): void {
    if (this.isClosed || this.ending) return;
    this.failure = { err };
    this.ending = true;
    if (this.waiting) this.settle();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.queue.length > 0) return Promise.resolve({ value: this.queue.shift() as T, done: false });
    if (this.ending || this.isClosed) {
      const failure = this.failure;
      this.close();
      return failure ? Promise.reject(failure.err) : Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(err?: unknown): Promise<IteratorResult<T>> {
    this.close();
    return Promise.reject(err);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private settle(): void {
    const w = this.waiting;
    this.waiting = null;
    const failure = this.failure;
    this.close();
    if (!w) return;
    if (failure) w.reject(failure.err);
    else w.resolve({ value: undefined, done: true });
  }

  private close(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.queue.length = 0;
    const w = this.waiting;
    this.waiting = null;
    w?.resolve({ value: undefined, done: true });
    this.onClose();
  }
}
