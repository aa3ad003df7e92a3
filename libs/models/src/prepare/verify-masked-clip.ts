/**
 * Checks run on the prepared CLIP vision graphs before the pack is written, so a surgery that changed the
 * computation never ships:
 * - at the export's own size, the plain graph (position table interpolated) and the masked graph with a zero bias
 *   give the original's image_embeds;
 * - with a dynamic size, both run at a non-square size (the masked one with a zero bias over 1 + gh·gw tokens) and
 *   agree with each other;
 * - every per-layer readout gives [1, E] finite values.
 */
import { ModelPackError } from '../errors';
import type { HostTensor, ModelRuntime, ModelSession } from '../runtime/runtime.types';
import { fromNumbers, toFloat32, zeros } from '../runtime/tensors';
import { ATTENTION_BIAS_INPUT } from './clip-surgery';
import type { ClipAttentionProbe } from './probes';

function pseudoRandomPixels(dtype: HostTensor['dtype'], h: number, w: number): HostTensor {
  const n = 3 * h * w;
  const px = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    px[i] = (s / 2147483648) * 2 - 1;
  }
  return fromNumbers(dtype, [1, 3, h, w], px);
}

function maxDiff(a: Float32Array, b: Float32Array): { diff: number; scale: number } {
  let diff = a.length === b.length ? 0 : Infinity;
  let scale = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(a[i]));
  }
  return { diff, scale };
}

export interface VerifyClipVisionArgs {
  readonly original: string;
  readonly plain: string;
  readonly masked: string;
  readonly probe: ClipAttentionProbe;
  readonly dynamic: boolean;
  /** per-layer [N, E] outputs of the region-token encoder (absent: the masked graph reads image_embeds per batch item) */
  readonly regionOutputs?: readonly string[];
}

export async function verifyClipVision(runtime: ModelRuntime, args: VerifyClipVisionArgs): Promise<void> {
  const { probe } = args;
  const sessions: ModelSession[] = [];
  try {
    const original = await runtime.load(args.original, 'clip vision (original, check)');
    sessions.push(original);
    const plain = await runtime.load(args.plain, 'clip vision (check)');
    sessions.push(plain);
    const masked = await runtime.load(args.masked, 'clip vision masked (check)');
    sessions.push(masked);
    const pxDtype = original.inputs.find((i) => i.name === 'pixel_values')?.dtype ?? 'float32';
    const biasDtype = probe.dtype === 'float16' ? 'float16' : 'float32';
    const fail = (what: string, d: { diff: number }) => {
      throw new ModelPackError('GRAPH_INVALID', `the prepared CLIP vision graph ${what} (max |Δ| ${d.diff}); the surgery is wrong for this export`);
    };
    const close = (d: { diff: number; scale: number }) => d.diff <= 1e-4 * Math.max(1, d.scale);

    const S = probe.imageSize;
    const pixels = pseudoRandomPixels(pxDtype, S, S);
    const a = toFloat32((await original.run({ pixel_values: pixels }, ['image_embeds'])).image_embeds);
    const b = toFloat32((await plain.run({ pixel_values: pixels }, ['image_embeds'])).image_embeds);
    // one region (N = 1) with a zero bias is the plain encoder
    const fetch = [...new Set(['image_embeds', ...(args.regionOutputs ?? [])])];
    const m = await masked.run({ pixel_values: pixels, [ATTENTION_BIAS_INPUT]: zeros(biasDtype, [1, 1, probe.tokens, probe.tokens]) }, fetch);
    const dPlain = maxDiff(a, b);
    if (!close(dPlain)) fail(`differs from the original at ${S}×${S}`, dPlain);
    const dMasked = maxDiff(a, toFloat32(m.image_embeds));
    if (!close(dMasked)) fail(`with a zero attention bias differs from the original at ${S}×${S}`, dMasked);
    for (const name of args.regionOutputs ?? []) {
      const v = toFloat32(m[name]);
      if (v.length !== a.length || v.some((x) => !Number.isFinite(x))) {
        throw new ModelPackError('GRAPH_INVALID', `the masked CLIP readout ${name} gives ${v.length} values for one region (expected ${a.length}, all finite)`);
      }
    }
    const last = args.regionOutputs?.[args.regionOutputs.length - 1];
    if (last) {
      const dRegion = maxDiff(a, toFloat32(m[last]));
      if (!close(dRegion)) fail(`(one region token, zero bias) differs from the original at ${S}×${S}`, dRegion);
    }

    if (args.dynamic) {
      const patch = S / Math.sqrt(probe.tokens - 1);
      const h = S + 2 * patch;
      const w = Math.max(patch, S - patch);
      const tokens = 1 + Math.floor(h / patch) * Math.floor(w / patch);
      const other = pseudoRandomPixels(pxDtype, h, w);
      const p2 = toFloat32((await plain.run({ pixel_values: other }, ['image_embeds'])).image_embeds);
      const m2 = toFloat32(
        (await masked.run({ pixel_values: other, [ATTENTION_BIAS_INPUT]: zeros(biasDtype, [1, 1, tokens, tokens]) }, ['image_embeds'])).image_embeds,
      );
      if (p2.length !== a.length) {
        throw new ModelPackError('GRAPH_INVALID', `the prepared CLIP vision graph gives ${p2.length} values at ${h}×${w} (expected ${a.length})`);
      }
      const d2 = maxDiff(p2, m2);
      if (!close(d2)) fail(`(masked, zero bias) differs from the plain one at ${h}×${w}`, d2);
    }
  } finally {
    for (const s of sessions) await s.dispose();
  }
}
