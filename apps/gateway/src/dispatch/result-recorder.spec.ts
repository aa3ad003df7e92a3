import { describe, expect, it } from 'vitest';
import type { SegmentationRequest } from '../__generated__/prisma/client';
import type { FinishItem } from '../segmentation/segmentation.sql';
import { ResultRecorder } from './result-recorder';

const item = (id: string, errorMessage = 'x'): FinishItem => ({
  tenantId: 't',
  id,
  outcome: { status: 'FAILED', worker: null, errorCode: 'INTERNAL', errorMessage, gpuMs: 0 },
});

/** A fake result statement: writes every item not in `gone`, throws when an item's message is 'bad'; held until released. */
function fakeWrite(gone = new Set<string>()) {
  const calls: string[][] = [];
  const held: (() => void)[] = [];
  let hold = false;
  const write = async (items: readonly FinishItem[]) => {
    calls.push(items.map((x) => x.id));
    if (hold) await new Promise<void>((r) => held.push(r));
    if (items.some((x) => x.outcome.status === 'FAILED' && x.outcome.errorMessage === 'bad')) throw new Error('bad item');
    const ok = items.filter((x) => !gone.has(x.id));
    return { written: items.map((x) => !gone.has(x.id)), rows: ok.map((x) => ({ id: x.id }) as SegmentationRequest) };
  };
  return {
    write,
    calls,
    hold: (on: boolean) => (hold = on),
    release: () => held.splice(0).forEach((r) => r()),
  };
}

describe('ResultRecorder (group commit of results)', () => {
  it('writes at once when idle, and gathers what comes while a statement runs into the next, bounded', async () => {
    const w = fakeWrite(new Set(['b2']));
    const rec = new ResultRecorder(w.write, 5);
    w.hold(true);
    const first = rec.record([item('a1')]);
    expect(w.calls).toEqual([['a1']]); // no added delay
    const rest = [rec.record([item('b1'), item('b2')]), rec.record([item('c1'), item('c2')]), rec.record([item('d1'), item('d2')])];
    await Promise.resolve();
    expect(w.calls).toHaveLength(1);
    w.hold(false);
    w.release();
    const answers = await Promise.all([first, ...rest]);
    // b and c together (4 ≤ 5), d in the next statement
    expect(w.calls).toEqual([['a1'], ['b1', 'b2', 'c1', 'c2'], ['d1', 'd2']]);
    expect(answers.map((a) => a.written)).toEqual([[true], [true, false], [true, true], [true, true]]);
    expect(answers.map((a) => a.rows.map((r) => r.id))).toEqual([['a1'], ['b1'], ['c1', 'c2'], ['d1', 'd2']]);
    expect(answers.every((a) => a.failed.length === 0)).toBe(true);
    expect([rec.statements, rec.items]).toEqual([3, 7]);
  });

  it('writes a grouped statement that fails one by one: the bad item fails alone', async () => {
    const w = fakeWrite();
    const rec = new ResultRecorder(w.write, 64);
    w.hold(true);
    const first = rec.record([item('a1')]);
    const b = rec.record([item('b1'), item('b2', 'bad')]);
    const c = rec.record([item('c1')]);
    w.hold(false);
    w.release();
    const [ra, rb, rc] = await Promise.all([first, b, c]);
    expect(w.calls).toEqual([['a1'], ['b1', 'b2', 'c1'], ['b1'], ['b2'], ['c1']]);
    expect(ra.written).toEqual([true]);
    expect(rb.written).toEqual([true, false]);
    expect(rb.rows.map((r) => r.id)).toEqual(['b1']);
    expect(rb.failed.map((f) => [f.id, (f.err as Error).message])).toEqual([['b2', 'bad item']]);
    expect(rc).toEqual({ written: [true], rows: [{ id: 'c1' }], failed: [] });
    // and goes on grouping afterwards
    expect((await rec.record([item('d1')])).written).toEqual([true]);
  });

  it('answers in submission order, each submission its own rows', async () => {
    const w = fakeWrite();
    const rec = new ResultRecorder(w.write, 3);
    const order: string[] = [];
    w.hold(true);
    const all = ['a', 'b', 'c', 'd', 'e'].map((k) => rec.record([item(`${k}1`)]).then((r) => order.push(r.rows[0].id)));
    w.hold(false);
    w.release();
    await Promise.all(all);
    expect(order).toEqual(['a1', 'b1', 'c1', 'd1', 'e1']);
    expect(w.calls).toEqual([['a1'], ['b1', 'c1', 'd1'], ['e1']]);
  });
});
