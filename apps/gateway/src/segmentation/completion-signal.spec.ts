import { describe, expect, it } from 'vitest';
import type { SegmentationRequest } from '../__generated__/prisma/client';
import { CompletionSignal } from './completion-signal';

const row = (id: string) => ({ id, status: 'SUCCEEDED' }) as unknown as SegmentationRequest;
const ms = () => performance.now();

describe('CompletionSignal.watch', () => {
  it('keeps an announcement that came between two waits (the waiter was reading): the next wait returns at once with its row', async () => {
    const signal = new CompletionSignal();
    const watch = signal.watch(new Set(['a', 'b']));
    signal.emit('a', row('a')); // no wait pending: as during a database read
    const t0 = ms();
    const got = await watch.next(5_000);
    expect(ms() - t0).toBeLessThan(1_000);
    expect([...got.keys()]).toEqual(['a']);
    // taken: the next wait waits again (here until its timeout)
    expect((await watch.next(30)).size).toBe(0);
    watch.close();
  });

  it('wakes on a watched id, collecting those announced in the same turn; ignores other ids; a row-less announcement wakes with no row', async () => {
    const signal = new CompletionSignal();
    const ids = new Set(['a', 'b', 'c']);
    const watch = signal.watch(ids);
    const p = watch.next(5_000);
    signal.emit('x', row('x'));
    signal.emit('a', row('a'));
    signal.emit('b', row('b'));
    expect([...(await p).keys()].sort()).toEqual(['a', 'b']);
    const q = watch.next(5_000);
    signal.emit('c');
    const t0 = ms();
    expect((await q).size).toBe(0);
    expect(ms() - t0).toBeLessThan(1_000);
    watch.close();
  });

  it('ids removed from the live set stop counting; after close nothing is kept; abort ends a wait', async () => {
    const signal = new CompletionSignal();
    const ids = new Set(['a', 'b']);
    const watch = signal.watch(ids);
    ids.delete('a');
    signal.emit('a', row('a'));
    expect((await watch.next(30)).size).toBe(0);
    const ac = new AbortController();
    const p = watch.next(5_000, ac.signal);
    ac.abort();
    const t0 = ms();
    expect((await p).size).toBe(0);
    expect(ms() - t0).toBeLessThan(1_000);
    watch.close();
    signal.emit('b', row('b'));
    expect((await watch.next(30)).size).toBe(0);
  });
});
