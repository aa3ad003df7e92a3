// Expressions per second for analyze() and for CLIP alignment, over the development set, on one core.
// Run: npx tsx libs/nlp/bench/analyze.bench.ts   (figures only; no assertions)
import { readFileSync } from 'node:fs';
import { alignWord, analyze, ClipTokenizer, SD_REFERENCE_TEMPLATE } from '../src/index';
import { CLIP_FIXTURE_TOKENIZER_PATH } from '../src/testing/index';

const expressions = readFileSync(new URL('../test/fixtures/refexp-dev.tsv', import.meta.url), 'utf8')
  .trimEnd()
  .split('\n')
  .slice(1)
  .map((line) => line.split('\t')[0]);

function rate(label: string, fn: (text: string) => unknown, seconds: number): void {
  for (let i = 0; i < 3; i++) for (const e of expressions) fn(e); // warm-up
  let calls = 0;
  let sink = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  while (process.hrtime.bigint() - start < budget) {
    for (const e of expressions) {
      sink += fn(e) === undefined ? 0 : 1;
      calls++;
    }
  }
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  process.stdout.write(`${label}: ${Math.round(calls / elapsed).toLocaleString('en-US')} expressions/s ` +
    `(${calls} calls in ${elapsed.toFixed(2)} s, ${(1e6 * elapsed / calls).toFixed(1)} µs each; sink ${sink > 0})\n`);
}

const tok = ClipTokenizer.fromJson(readFileSync(CLIP_FIXTURE_TOKENIZER_PATH, 'utf8'));
process.stdout.write(`${expressions.length} development expressions, node ${process.version}\n`);
rate('analyze()', (t) => analyze(t), 3);
rate('analyze() + alignWord(root, SD template) on the fixture tokenizer', (t) => {
  const a = analyze(t);
  return alignWord(tok, a.text, a.root.index, { template: SD_REFERENCE_TEMPLATE });
}, 3);
