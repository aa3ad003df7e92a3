import { describe, expect, it } from 'vitest';
import { ModelCallQueue } from './model-call-queue';

/** A call that finishes when the test says so, recording when it started. */
function gate(log: string[], name: string) {
  let open!: () => void;
  const done = new Promise<void>((r) => (open = r));
  return {
    fn: async () => {
      log.push(`start ${name}`);
      await done;
      log.push(`end ${name}`);
      return name;
    },
    open: () => open(),
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('ModelCallQueue', () => {
  it('runs at most maxInFlight calls and gives a free slot to the oldest request first', async () => {
    const q = new ModelCallQueue(1);
    const log: string[] = [];
    const a = gate(log, 'a(req 5)');
    const b = gate(log, 'b(req 3)');
    const c = gate(log, 'c(req 1)');
    const d = gate(log, 'd(req 3)');
    const pa = q.run(5, a.fn);
    const pb = q.run(3, b.fn);
    const pc = q.run(1, c.fn);
    const pd = q.run(3, d.fn);
    await tick();
    expect(log).toEqual(['start a(req 5)']);
    expect(q.pending).toBe(3);
    a.open();
    await tick();
    // request 1 is the oldest; then request 3's calls in their arrival order
    expect(log).toEqual(['start a(req 5)', 'end a(req 5)', 'start c(req 1)']);
    c.open();
    await tick();
    expect(log.at(-1)).toBe('start b(req 3)');
    b.open();
    await tick();
    expect(log.at(-1)).toBe('start d(req 3)');
    d.open();
    expect(await Promise.all([pa, pb, pc, pd])).toEqual(['a(req 5)', 'b(req 3)', 'c(req 1)', 'd(req 3)']);
    expect(q.pending).toBe(0);
  });

  it('keeps two calls in flight with maxInFlight 2, and a failed call frees its slot', async () => {
    const q = new ModelCallQueue(2);
    const log: string[] = [];
    const a = gate(log, 'a');
    const b = gate(log, 'b');
    const c = gate(log, 'c');
    const pa = q.run(0, a.fn);
    const pf = q.run(0, async () => {
      log.push('start f');
      throw new Error('model failed');
    });
    const pb = q.run(2, b.fn);
    const pc = q.run(1, c.fn);
    await expect(pf).rejects.toThrow('model failed');
    await tick();
    expect(log).toEqual(['start a', 'start f', 'start c']);
    c.open();
    await tick();
    expect(log).toEqual(['start a', 'start f', 'start c', 'end c', 'start b']);
    a.open();
    b.open();
    await Promise.all([pa, pb, pc]);
  });

  it('an aborted waiting call leaves the queue with ABORTED and never runs', async () => {
    const q = new ModelCallQueue(1);
    const log: string[] = [];
    const a = gate(log, 'a');
    const pa = q.run(0, a.fn);
    const ac = new AbortController();
    let ran = false;
    const pb = q.run(1, async () => {
      ran = true;
    }, ac.signal);
    ac.abort(new Error('client went away'));
    await expect(pb).rejects.toMatchObject({ code: 'ABORTED' });
    expect(q.pending).toBe(0);
    a.open();
    await pa;
    expect(ran).toBe(false);
  });

  it('rejects a limit below 1', () => {
    expect(() => new ModelCallQueue(0)).toThrow(/modelCallsInFlight/);
  });
});
