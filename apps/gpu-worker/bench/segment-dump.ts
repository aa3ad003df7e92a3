// Exactness check of a change, not a benchmark: `segment` results on the fixture pack (real onnxruntime), one JSON line
// per result (mask RLE, bbox, area, chosen, score, every proposal's scores at full precision, errors, a hash of the
// attention bytes) for 2 crowded scenes × 10 texts (an empty one, a bare "the", doubled and contradicting cues) × 7
// settings × returnAttention on/off, in three batches on one engine (cache hits, cached z_t and hard embeddings).
// Run it on two trees and diff: npx tsx apps/gpu-worker/bench/segment-dump.ts > a.jsonl (docs/performance.md).
import { createHash } from 'node:crypto';
import { pino } from 'pino';
import { loadPack } from '@refdiff/models';
import { createRefDiff, encodeOverlayPng, type SegmentOptions } from '@refdiff/pipeline';
import { syntheticSamples } from '@refdiff/synthetic';
import { loadWorkerConfig } from '../src/config/env';
import { fixturePackDir } from '../src/engine/load-engine';

const log = pino({ level: 'silent' });
const models = await loadPack(await fixturePackDir(loadWorkerConfig(process.env).models.cacheDir, log), { executionProvider: 'cpu', threads: 2, logger: log });
const scenes = new Map<number, { width: number; height: number; rgb: Uint8Array; texts: string[] }>();
for (const s of syntheticSamples({ seed: 99, count: 200, crowded: true })) {
  let e = scenes.get(s.scene.seed);
  if (!e) {
    if (scenes.size >= 2) continue;
    e = { width: s.scene.width, height: s.scene.height, rgb: s.scene.image, texts: [] };
    scenes.set(s.scene.seed, e);
  }
  if (e.texts.length < 6 && !e.texts.includes(s.expression.text)) e.texts.push(s.expression.text);
}
const configs: Record<string, SegmentOptions> = {
  reference: {},
  paper: { preset: 'paper' },
  wfValue: { proposals: 'weight-free', thresholdMode: 'value' },
  wfQuantilePaper: { preset: 'paper', proposals: 'weight-free', thresholdMode: 'quantile' },
  fixed: { clipResolution: 'fixed' },
  softBiasRef: { biasBranch: 'soft' },
  hardBiasPaper: { preset: 'paper', biasBranch: 'hard', positionalBias: 'soft' },
};
const h = (b: ArrayBufferView) => createHash('sha256').update(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)).digest('hex').slice(0, 16);
const engine = createRefDiff(models, { imageCacheBytes: 1 << 30 });
for (const [si, sc] of [...scenes.values()].entries()) {
  const png = new Uint8Array(await encodeOverlayPng({ width: sc.width, height: sc.height, data: sc.rgb }, new Uint8Array(sc.width * sc.height)));
  const texts = [...sc.texts, '', 'the', 'the left left one on the right', 'the top left thing at the bottom'];
  for (const [name, opts] of Object.entries(configs)) {
    for (const returnAttention of [true, false]) {
      // three batches on one engine: cache hits, cached z_t and hard embeddings
      for (const batch of [texts.slice(0, 4), texts.slice(4), texts]) {
        let r;
        try {
          r = await engine.segment({ image: png }, batch, { ...opts, returnAttention });
        } catch (err) {
          console.log(JSON.stringify({ si, name, returnAttention, error: String(err) }));
          continue;
        }
        for (const x of r.results) {
          if (!x.ok) {
            console.log(JSON.stringify({ si, name, returnAttention, x }));
            continue;
          }
          const { timingsMs: _t, attention, ...rest } = x;
          console.log(JSON.stringify({ si, name, returnAttention, ...rest, attention: attention ? h(attention.data) : null }));
        }
      }
    }
  }
}
await engine.dispose();
