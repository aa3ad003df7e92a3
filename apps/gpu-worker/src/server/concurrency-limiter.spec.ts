import { describe, expect, it } from 'vitest';
import { ConcurrencyLimiter } from './concurrency-limiter';
import { WorkerError } from './worker.errors';

describe('ConcurrencyLimiter', () => {
  it('admits up to maxConcurrent, queues up to maxQueue in order, rejects beyond', async () => {
    const limiter = new ConcurrencyLimiter(2, 2);
    const a = await limiter.acquire();
    const b = await limiter.acquire();
    const order: string[] = [];
    const c = limiter.acquire().then((r) => (order.push('c'), r));
    const d = limiter.acquire().then((r) => (order.push('d'), r));
    expect(limiter.inFlight).toBe(2);
    expect(limiter.queueDepth).toBe(2);
    const e = await limiter.acquire().catch((err) => err);
    expect(e).toBeInstanceOf(WorkerError);
    expect(e.code).toBe('QUEUE_FULL');

    a();
    a(); // idempotent: must not free a second slot
    const releaseC = await c;
    expect(order).toEqual(['c']);
    expect(limiter.inFlight).toBe(2);
    expect(limiter.queueDepth).toBe(1);
    b();
    const releaseD = await d;
    expect(order).toEqual(['c', 'd']);
    releaseC();
    releaseD();
    expect(limiter.inFlight).toBe(0);
    expect(limiter.queueDepth).toBe(0);
  });

  it('drops an aborted waiter from the queue', async () => {
    const limiter = new ConcurrencyLimiter(1, 4);
    const release = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    expect(limiter.queueDepth).toBe(1);
    controller.abort(new Error('gone'));
    await expect(waiting).rejects.toThrow('gone');
    expect(limiter.queueDepth).toBe(0);
    release();
    expect(limiter.inFlight).toBe(0);
  });
});
