/**
 * A prepared masked CLIP graph must equal the original when the bias is zero: checked on a pseudo-random image
 * before the pack is written, so a surgery that changed the computation never ships.
 */
import { ModelPackError } from '../errors';
import type { ModelRuntime } from '../runtime/runtime.types';
import { fromNumbers, toFloat32, zeros } from '../runtime/tensors';
import { ATTENTION_BIAS_INPUT } from './clip-surgery';
import type { ClipAttentionProbe } from './probes';

export async function verifyMaskedClip(runtime: ModelRuntime, originalPath: string, maskedPath: string, probe: ClipAttentionProbe): Promise<void> {
  const original = await runtime.load(originalPath, 'clip vision (check)');
  const masked = await runtime.load(maskedPath, 'clip vision masked (check)');
  try {
    const n = 3 * probe.imageSize * probe.imageSize;
    const px = new Float32Array(n);
    let s = 12345;
    for (let i = 0; i < n; i++) {
      s = (s * 1103515245 + 12345) % 2147483648;
      px[i] = (s / 2147483648) * 2 - 1;
    }
    const pxDtype = original.inputs.find((i) => i.name === 'pixel_values')?.dtype ?? 'float32';
    const pixels = fromNumbers(pxDtype, [1, 3, probe.imageSize, probe.imageSize], px);
    const a = toFloat32((await original.run({ pixel_values: pixels }, ['image_embeds'])).image_embeds);
    const b = toFloat32((await masked.run({ pixel_values: pixels, [ATTENTION_BIAS_INPUT]: zeros(probe.dtype === 'float16' ? 'float16' : 'float32', [1, 1, probe.tokens, probe.tokens]) }, ['image_embeds'])).image_embeds);
    let maxDiff = 0;
    let maxAbs = 0;
    for (let i = 0; i < a.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
      maxAbs = Math.max(maxAbs, Math.abs(a[i]));
    }
    if (!(maxDiff <= 1e-4 * Math.max(1, maxAbs))) {
      throw new ModelPackError('GRAPH_INVALID', `the masked CLIP vision graph differs from the original with a zero bias (max |Δ| ${maxDiff}); the surgery is wrong for this export`);
    }
  } finally {
    await original.dispose();
    await masked.dispose();
  }
}
