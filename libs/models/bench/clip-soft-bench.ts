/**
 * Cost of the soft (masked-attention) CLIP branch per proposal count, at the fixed 224² square and at full
 * resolution (a 640×480 COCO-sized image: 40×30 patches, 1,201 tokens), on a random-weight graph with ViT-B/16's
 * shapes (width 768, 12 layers, 12 heads, MLP 3072, patch 16 — transformers' layout and names, so `prepare` does the
 * same surgery as on the real export). Runs through preparePack + loadPack + encodeClipRegions, as the product does.
 * Figures only — not a test; prints wall time (median of `runs`) and the process's peak RSS so far (configurations
 * run from cheapest to dearest, so each peak is that configuration's).
 * `--legacy` also times the earlier form (one batch item per region, the CLS token as the region token): the same
 * pack with `regionOutputs` left out of its manifest.
 * Run: npx tsx libs/models/bench/clip-soft-bench.ts [--runs 3] [--sizes 224x224,640x480] [--regions 1,4,10] [--legacy]
 */
import { link, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildModel, tensor, valueInfo, type GraphSpec } from '../src/onnx/graph-builder';
import { loadPack } from '../src/pack/load-pack';
import { preparePack } from '../src/prepare/prepare-pack';
import { writeTinyExports } from '../src/testing/tiny-exports';
import { attention, Builder, prng, randomArray } from '../src/testing/tiny-graphs';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

/** ViT-B/16 vision tower (random weights) with transformers' node names; projection to `embed` dims. */
function vitB16(embed: number): GraphSpec {
  const W = 768;
  const heads = 12;
  const layers = 12;
  const P = 16;
  const G = 14;
  const T = 1 + G * G;
  const b = new Builder(prng(7));
  const ln = (x: string, name: string) =>
    b.op('LayerNormalization', [x, b.weight(`${name}.weight`, [W], 0.1), b.weight(`${name}.bias`, [W], 0.02)], `${name}/ln_out`, `${name}/LayerNormalization`, { axis: -1, epsilon: 1e-5 });
  const patches = b.op('Conv', ['pixel_values', b.weight('vision_model.embeddings.patch_embedding.weight', [W, 3, P, P], 0.02)], '/vision_model/embeddings/patch_embedding/Conv_output_0', '/vision_model/embeddings/patch_embedding/Conv', { strides: [P, P] });
  const tokens = b.op('Transpose', [b.op('Reshape', [patches, b.ints('flat', [0, W, -1])], '/vision_model/embeddings/Reshape_output_0')], '/vision_model/embeddings/Transpose_output_0', undefined, { perm: [0, 2, 1] });
  const batch = b.op('Gather', [b.op('Shape', ['pixel_values'], 'px_shape'), b.ints('zero', [0])], 'batch_dim', undefined, { axis: 0 });
  const cls = b.op('Expand', [b.weight('vision_model.embeddings.class_embedding', [1, 1, W], 0.02), b.op('Concat', [batch, b.ints('one_w', [1, W])], 'cls_shape', undefined, { axis: 0 })], 'cls');
  b.inits.push(tensor('position_ids', 'int64', [1, T], Array.from({ length: T }, (_, i) => i)));
  const positions3 = b.op('Gather', [b.weight('vision_model.embeddings.position_embedding.weight', [T, W], 0.02), 'position_ids'], 'positions', '/vision_model/embeddings/position_embedding/Gather', { axis: 0 });
  let x = b.op('Add', [b.op('Concat', [cls, tokens], 'tokens0', undefined, { axis: 1 }), positions3], '/vision_model/embeddings/Add_output_0', '/vision_model/embeddings/Add');
  x = ln(x, 'vision_model.pre_layrnorm');
  for (let l = 0; l < layers; l++) {
    const p = `/vision_model/encoder/layers.${l}/`;
    const normed = ln(x, `${p}layer_norm1`);
    const a = attention(b, `${p}self_attn`, normed, normed, { c: W, dc: W, heads, dh: W / heads, m: T }, 'bh-hw-t');
    x = b.op('Add', [x, a], `${p}Add_output_0`, `${p}Add`);
    const h = b.op('MatMul', [ln(x, `${p}layer_norm2`), b.weight(`${p}mlp.fc1.weight`, [W, 4 * W], 0.02)], `${p}mlp/fc1`);
    const gelu = b.op('Mul', [h, b.op('Sigmoid', [b.op('Mul', [h, b.scalar(`${p}gelu_k`, 1.702)], `${p}mlp/gelu_in`)], `${p}mlp/gelu_sig`)], `${p}mlp/gelu`);
    const f = b.op('MatMul', [gelu, b.weight(`${p}mlp.fc2.weight`, [4 * W, W], 0.02)], `${p}mlp/fc2`);
    x = b.op('Add', [x, f], `${p}Add_1_output_0`, `${p}Add_1`);
  }
  b.op('Identity', [x], 'last_hidden_state');
  const first = b.op('Gather', [x, b.ints('cls_index', [0])], '/vision_model/Gather_output_0', '/vision_model/Gather', { axis: 1 });
  const pooled = b.op('Squeeze', [first, b.ints('axis1', [1])], 'pooled');
  b.op('MatMul', [ln(pooled, 'vision_model.post_layernorm'), b.weight('visual_projection', [W, embed], 0.02)], 'image_embeds', '/visual_projection/MatMul');
  return {
    name: 'vit_b16_random',
    nodes: b.nodes,
    initializers: b.inits,
    inputs: [valueInfo('pixel_values', 'float32', ['batch_size', 'num_channels', 'height', 'width'])],
    outputs: [valueInfo('image_embeds', 'float32', ['batch_size', embed]), valueInfo('last_hidden_state', 'float32', ['batch_size', T, W])],
  };
}

async function main(): Promise<void> {
  const runs = Number(arg('runs', '3'));
  const sizes = arg('sizes', '224x224,640x480').split(',').map((s) => s.split('x').map(Number) as [number, number]);
  const regionCounts = arg('regions', '1,4,10').split(',').map(Number);
  const root = await mkdtemp(join(tmpdir(), 'refdiff-clip-bench-'));
  try {
    const dirs = await writeTinyExports(join(root, 'exports'), { unetLayout: 'bh-hw-t', clipLayout: 'bh-hw-t' });
    await writeFile(join(dirs.clip, 'onnx/vision_model.onnx'), buildModel(vitB16(6)));
    let t = performance.now();
    await preparePack({ ...dirs, out: join(root, 'pack'), name: 'bench' });
    console.log(
      `prepare (ViT-B/16-shaped CLIP vision, 86 M random weights): ${((performance.now() - t) / 1000).toFixed(1)} s; peak RSS so far ${(process.resourceUsage().maxRSS / 1024 / 1024).toFixed(2)} GB`,
    );
    if (process.argv.includes('--legacy')) {
      // the same files, hard-linked, with a manifest that does not name the region outputs
      const legacy = join(root, 'legacy');
      const copy = async (from: string, to: string): Promise<void> => {
        await mkdir(to, { recursive: true });
        for (const e of await readdir(from, { withFileTypes: true })) {
          if (e.isDirectory()) await copy(join(from, e.name), join(to, e.name));
          else if (e.name !== 'manifest.json') await link(join(from, e.name), join(to, e.name));
        }
      };
      await copy(join(root, 'pack'), legacy);
      const manifest = JSON.parse(await readFile(join(root, 'pack/manifest.json'), 'utf8'));
      delete manifest.models.clipVisionMasked.regionOutputs;
      await writeFile(join(legacy, 'manifest.json'), JSON.stringify(manifest));
    }
    for (const variant of process.argv.includes('--legacy') ? ['legacy', 'pack'] : ['pack']) {
    const m = await loadPack(join(root, variant), { executionProvider: 'cpu' });
    console.log(`-- ${variant === 'pack' ? 'N region tokens in one sequence (this pack)' : 'one batch item per region (earlier form)'}`);
    console.log(`layers readable: ${m.constants.clip.layers}; onnxruntime-node CPU, ${(await import('node:os')).cpus().length} cores`);
    console.log('size      tokens  regions  layer   median s   s/region   peak RSS GB');
    const rand = prng(3);
    for (const [w, h] of sizes) {
      const p = Math.floor(w / 16) * Math.floor(h / 16);
      const px = randomArray(3 * w * h, rand);
      for (const n of regionCounts) {
        const masks = new Uint8Array(n * p);
        for (let r = 0; r < n; r++) for (let j = 0; j < p; j++) masks[r * p + j] = (j * 7 + r * 13) % 5 < 2 ? 1 : 0;
        for (const layer of [-1, 2]) {
          if (layer === 2 && (n !== regionCounts[regionCounts.length - 1] || m.constants.clip.layers === 1)) continue;
          await m.encodeClipRegions(px, masks, n, { width: w, height: h, layer });
          const ms: number[] = [];
          for (let i = 0; i < runs; i++) {
            t = performance.now();
            await m.encodeClipRegions(px, masks, n, { width: w, height: h, layer });
            ms.push(performance.now() - t);
          }
          ms.sort((a, b) => a - b);
          const med = ms[ms.length >> 1] / 1000;
          const rss = process.resourceUsage().maxRSS / 1024 / 1024;
          console.log(
            `${`${w}×${h}`.padEnd(10)}${String(p + 1).padStart(6)}${String(n).padStart(9)}${String(layer).padStart(7)}${med.toFixed(2).padStart(11)}${(med / n).toFixed(2).padStart(11)}${rss.toFixed(2).padStart(14)}`,
          );
        }
      }
      // the hard branch's plain encoder on one image of this size, for comparison (one crop)
      await m.encodeClipImage(px, 1, { width: w, height: h });
      t = performance.now();
      await m.encodeClipImage(px, 1, { width: w, height: h });
      console.log(`${`${w}×${h}`.padEnd(10)} plain vision encoder, 1 image: ${((performance.now() - t) / 1000).toFixed(2)} s`);
    }
    await m.dispose();
    }
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
