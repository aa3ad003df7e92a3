import { PipelineError } from '../errors/pipeline.errors';
import { abortedError } from './segment.errors';

/**
 * Orders the model calls of concurrent requests on one device: at most `maxInFlight` calls reach the models at once,
 * and a free slot goes to the waiting call of the oldest request (lowest priority number, then arrival).
 *
 * Why: a device serves calls in the order they arrive. With several images in flight and calls interleaved
 * first-come-first-served, every image advances at the same pace, they finish together, and the next images then all
 * run their CPU-only stages (decoding, input preparation) at the same moment while the device waits — a wave per
 * batch of images. Serving the oldest request first finishes images one by one, so one image's CPU stages overlap
 * the device work of the others. Two calls in flight keep the next call queued on the device while one runs.
 */
export class ModelCallQueue {
  private inFlight = 0;
  private arrivals = 0;
  private readonly waiting: { priority: number; arrival: number; start: () => void }[] = [];

  constructor(readonly maxInFlight: number) {
    if (!(Number.isInteger(maxInFlight) && maxInFlight >= 1)) throw new PipelineError('INVALID_ARGUMENT', `modelCallsInFlight must be an integer ≥ 1, got ${maxInFlight}`);
  }

  /** Calls waiting for a slot. */
  get pending(): number {
    return this.waiting.length;
  }

  async run<T>(priority: number, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.inFlight < this.maxInFlight && this.waiting.length === 0) this.inFlight++;
    else await this.wait(priority, signal);
    try {
      return await fn();
    } finally {
      this.inFlight--;
      this.dispatch();
    }
  }

  private wait(priority: number, signal?: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const entry = {
        priority,
        arrival: this.arrivals++,
        start: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = () => {
        const i = this.waiting.indexOf(entry);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(abortedError(signal));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(entry);
    });
  }

  /** Hands free slots to the oldest requests' calls (the slot is taken here, before the waiter resumes). */
  private dispatch(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length > 0) {
      let best = 0;
      for (let i = 1; i < this.waiting.length; i++) {
        const w = this.waiting[i];
        const b = this.waiting[best];
        if (w.priority < b.priority || (w.priority === b.priority && w.arrival < b.arrival)) best = i;
      }
      const [next] = this.waiting.splice(best, 1);
      this.inFlight++;
      next.start();
    }
  }
}
