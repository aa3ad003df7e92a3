import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyze } from '../src/index';

interface Row {
  expression: string;
  rootIndex: number;
  subjectIndex: number | null;
  ambiguous: boolean;
}

function load(name: string): Row[] {
  const [header, ...lines] = readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8').trimEnd().split('\n');
  const cols = header.split('\t');
  const at = (c: string): number => cols.indexOf(c);
  return lines.map((line) => {
    const f = line.split('\t');
    return {
      expression: f[at('expression')],
      rootIndex: Number(f[at('gold_root_index')]),
      subjectIndex: at('refdiff_subject_index') >= 0 ? Number(f[at('refdiff_subject_index')]) : null,
      ambiguous: at('ambiguous_note') >= 0 && (f[at('ambiguous_note')] ?? '') !== '',
    };
  });
}

/** Deterministic 70/30 split by a hash of the expression (FNV-1a), so the parts never change. */
function part(expression: string): 'tune' | 'holdout' {
  let h = 0x811c9dc5;
  for (let i = 0; i < expression.length; i++) h = Math.imul(h ^ expression.charCodeAt(i), 0x01000193) >>> 0;
  return h % 10 < 7 ? 'tune' : 'holdout';
}

const accuracy = (rows: Row[], pick: (r: Row) => number | null, key: 'root' | 'subject'): number => {
  const scored = rows.filter((r) => pick(r) !== null);
  const ok = scored.filter((r) => analyze(r.expression)[key].index === pick(r)).length;
  return ok / scored.length;
};

describe('root accuracy on real referring expressions', () => {
  const dev = load('refexp-dev.tsv');
  const scored = dev.filter((r) => !r.ambiguous);

  it('has the development set', () => {
    expect(dev.length).toBe(429);
    expect(scored.length).toBeGreaterThan(400);
  });

  it('finds the gold root on ≥ 97% of unambiguous development rows', () => {
    const all = accuracy(scored, (r) => r.rootIndex, 'root');
    const tune = accuracy(scored.filter((r) => part(r.expression) === 'tune'), (r) => r.rootIndex, 'root');
    const holdout = accuracy(scored.filter((r) => part(r.expression) === 'holdout'), (r) => r.rootIndex, 'root');
    const subject = accuracy(dev, (r) => r.subjectIndex, 'subject');
    console.log(
      `refexp-dev root accuracy: all ${(100 * all).toFixed(1)}% (n=${scored.length}), ` +
        `tune part ${(100 * tune).toFixed(1)}%, held-out part ${(100 * holdout).toFixed(1)}%; ` +
        `subject (reference rule) ${(100 * subject).toFixed(1)}% (n=${dev.length})`,
    );
    expect(all).toBeGreaterThanOrEqual(0.97);
    expect(subject).toBeGreaterThanOrEqual(0.97);
  });

  it('finds the root on ≥ 97% of the project-written expressions', () => {
    const own = load('refexp-own.tsv');
    const acc = accuracy(own, (r) => r.rootIndex, 'root');
    console.log(`refexp-own root accuracy: ${(100 * acc).toFixed(1)}% (n=${own.length})`);
    expect(acc).toBeGreaterThanOrEqual(0.97);
  });
});
