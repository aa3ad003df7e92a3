import type {
  ModelPackConstants,
  RefDiffModels,
  SamDecodeResult,
  SamImageEmbedding,
  UnetCall,
  UnetResult,
} from '../../ports/ref-diff-models';

/**
 * A tiny, honest RefDiffModels for engine tests (not the fixture pack): every output is computed from the pixels and
 * token ids it is given. Words mean colours: the text encoders decode ids through the tokenizer's vocabulary and
 * map colour words to RGB directions (causally, as CLIP); images map pixels to the same directions. Grey (128) is
 * the neutral background. SAM flood-fills the colour under each point. Call counts are kept per role.
 */
const COLOURS: Record<string, [number, number, number]> = {
  red: [255, 0, 0],
  green: [0, 200, 0],
  blue: [0, 0, 255],
  yellow: [255, 255, 0],
  white: [255, 255, 255],
  black: [0, 0, 0],
};

const feature = (r: number, g: number, b: number): [number, number, number] => [r / 255 - 0.5, g / 255 - 0.5, b / 255 - 0.5];

export interface ToyOptions {
  tokenizerJson: string;
  /** make the VAE return the wrong number of values (a pack that does not match) */
  brokenVae?: boolean;
  /** make every cross-attention logit the same (a flat attention map c) */
  flatAttention?: boolean;
}

export function createToyModels(options: ToyOptions): RefDiffModels & { calls: Record<string, number> } {
  const tok = JSON.parse(options.tokenizerJson) as { model: { vocab: Record<string, number> }; added_tokens?: { id: number; content: string }[] };
  const byId = new Map<number, string>();
  for (const [k, v] of Object.entries(tok.model.vocab)) byId.set(v, k);
  const idOf = (s: string) => tok.added_tokens?.find((t) => t.content === s)?.id ?? tok.model.vocab[s];
  const startId = idOf('<|startoftext|>');
  const endId = idOf('<|endoftext|>');
  const calls: Record<string, number> = {};
  const count = (role: string) => (calls[role] = (calls[role] ?? 0) + 1);

  const D = 4; // SD hidden size and CLIP embed size
  const sdSize = 64;
  const latentSide = sdSize / 8;
  const clipSize = 32;
  const patch = 8;
  const samSize = 64;

  /** per position: cumulative colour feature of the complete words so far (causal) */
  function hiddenStates(ids: Int32Array, batch: number): Float32Array {
    const out = new Float32Array(batch * 77 * D);
    for (let b = 0; b < batch; b++) {
      let acc: [number, number, number] = [0, 0, 0];
      let word = '';
      for (let t = 0; t < 77; t++) {
        const id = ids[b * 77 + t];
        if (id !== startId && id !== endId) {
          const piece = byId.get(id) ?? '';
          word += piece.replace('</w>', '');
          if (piece.endsWith('</w>')) {
            const c = COLOURS[word];
            if (c) acc = acc.map((v, i) => v + feature(...c)[i]) as [number, number, number];
            word = '';
          }
        }
        out.set([acc[0], acc[1], acc[2], 0.1], (b * 77 + t) * D);
      }
    }
    return out;
  }

  function textEmbeds(ids: Int32Array, batch: number): Float32Array {
    const h = hiddenStates(ids, batch);
    const out = new Float32Array(batch * D);
    for (let b = 0; b < batch; b++) {
      let end = 76;
      for (let t = 1; t < 77; t++) if (ids[b * 77 + t] === endId) { end = t; break; }
      out.set(h.subarray((b * 77 + end) * D, (b * 77 + end + 1) * D), b * D);
    }
    return out;
  }

  /** mean feature of [3, S, S] CLIP-normalised planes over the given pixels */
  const clipMean = [0.48145466, 0.4578275, 0.40821073];
  const clipStd = [0.26862954, 0.26130258, 0.27577711];
  function clipPixelFeature(px: Float32Array, off: number, plane: number, i: number): [number, number, number] {
    const rgb = [0, 1, 2].map((c) => (px[off + c * plane + i] * clipStd[c] + clipMean[c]) * 255);
    return feature(rgb[0], rgb[1], rgb[2]);
  }

  const constants: ModelPackConstants = {
    packName: 'toy',
    packChecksum: 'toy-checksum',
    tokenizer: { json: options.tokenizerJson, contextLength: 77, startId, endId, padId: endId },
    sd: {
      imageSize: sdSize,
      vaeDownsample: 8,
      latentChannels: 4,
      latentScale: 1,
      betaStart: 0.00085,
      betaEnd: 0.012,
      trainTimesteps: 1000,
      textHiddenSize: D,
      attentionLayers: [{ name: 'toy.attn', level: 1, heads: 2, kinds: ['logits', 'probs'] }],
    },
    clip: { imageSize: clipSize, patchSize: patch, mean: [0.48145466, 0.4578275, 0.40821073], std: [0.26862954, 0.26130258, 0.27577711], embedDim: D, dynamicImageSize: true, layers: 2 },
    sam: {
      inputSize: samSize,
      lowResSize: samSize,
      mean: [123.675, 116.28, 103.53],
      std: [58.395, 57.12, 57.375],
      predIouThresh: 0.88,
      stabilityScoreThresh: 0.95,
      stabilityScoreOffset: 1,
      boxNmsThresh: 0.7,
      maskThreshold: 0,
      pointsPerSide: 8,
      pointsPerBatch: 16,
    },
  };

  return {
    constants,
    calls,
    async encodeSdText(ids, batch) {
      count('sdText');
      return hiddenStates(ids, batch);
    },
    async encodeVae(pixels, size) {
      count('vae');
      const s = size / 8;
      const out = new Float32Array(options.brokenVae ? 7 : 4 * s * s);
      if (options.brokenVae) return out;
      for (let c = 0; c < 3; c++)
        for (let y = 0; y < size; y++)
          for (let x = 0; x < size; x++) out[c * s * s + (y >> 3) * s + (x >> 3)] += (pixels[c * size * size + y * size + x] / 2) / 64;
      return out;
    },
    async unet(call: UnetCall): Promise<UnetResult> {
      count('unet');
      const s = latentSide;
      const hw = s * s;
      const heads = 2;
      const data = new Float32Array(call.batch * heads * hw * 77);
      for (let b = 0; b < call.batch; b++) {
        for (let p = 0; p < hw; p++) {
          const f = [0, 1, 2].map((c) => call.sample[b * 4 * hw + c * hw + p]);
          for (let t = 0; t < 77; t++) {
            const h = call.encoderHiddenStates.subarray((b * 77 + t) * D, (b * 77 + t + 1) * D);
            const logit = options.flatAttention ? 1 : 8 * (f[0] * h[0] + f[1] * h[1] + f[2] * h[2]);
            for (let k = 0; k < heads; k++) data[((b * heads + k) * hw + p) * 77 + t] = logit * (1 + 0.1 * k);
          }
        }
      }
      if (call.attention?.kind === 'probs') {
        for (let r = 0; r < call.batch * heads * hw; r++) {
          const row = data.subarray(r * 77, (r + 1) * 77);
          const m = Math.max(...row);
          let z = 0;
          for (let t = 0; t < 77; t++) z += row[t] = Math.exp(row[t] - m);
          for (let t = 0; t < 77; t++) row[t] /= z;
        }
      }
      const attention = (call.attention?.layers ?? []).map((layer) => ({
        layer,
        level: 1 as const,
        kind: call.attention!.kind,
        layout: 'b-h-hw-t' as const,
        heads,
        dims: [call.batch, heads, hw, 77],
        data,
      }));
      return { noise: new Float32Array(call.sample.length), attention };
    },
    async encodeClipText(ids, batch) {
      count('clipText');
      return textEmbeds(ids, batch);
    },
    async encodeClipImage(pixels, batch, size) {
      count('clipImage');
      const out = new Float32Array(batch * D);
      const n = typeof size === 'number' ? size * size : size.width * size.height;
      if (pixels.length !== batch * 3 * n) throw new Error(`toy clipImage: ${pixels.length} values for ${batch} images of ${n} pixels`);
      for (let b = 0; b < batch; b++) {
        const acc = [0, 0, 0];
        let k = 0;
        for (let i = 0; i < n; i++) {
          const f = clipPixelFeature(pixels, b * 3 * n, n, i);
          if (f[0] <= -0.49 && f[1] <= -0.49 && f[2] <= -0.49) continue; // black background of the crop
          f.forEach((v, c) => (acc[c] += v));
          k++;
        }
        out.set([acc[0] / Math.max(k, 1), acc[1] / Math.max(k, 1), acc[2] / Math.max(k, 1), 0.1], b * D);
      }
      return out;
    },
    async encodeClipRegions(pixels, regionMasks, regions, opts) {
      count('clipRegions');
      const W = opts?.width ?? clipSize;
      const H = opts?.height ?? clipSize;
      const gw = Math.floor(W / patch);
      const gh = Math.floor(H / patch);
      if (pixels.length !== 3 * W * H || regionMasks.length !== regions * gw * gh) throw new Error('toy clipRegions: sizes do not match');
      const out = new Float32Array(regions * D);
      for (let r = 0; r < regions; r++) {
        const acc = [0, 0, 0];
        let k = 0;
        for (let y = 0; y < gh * patch; y++)
          for (let x = 0; x < gw * patch; x++) {
            if (!regionMasks[r * gw * gh + Math.floor(y / patch) * gw + Math.floor(x / patch)]) continue;
            clipPixelFeature(pixels, 0, W * H, y * W + x).forEach((v, c) => (acc[c] += v));
            k++;
          }
        out.set([acc[0] / Math.max(k, 1), acc[1] / Math.max(k, 1), acc[2] / Math.max(k, 1), 0.1], r * D);
      }
      return out;
    },
    async encodeSamImage(pixels): Promise<SamImageEmbedding> {
      count('samEncoder');
      // the input is lent for the call (the engine reuses its buffer): the embedding keeps a copy
      return { byteSize: pixels.byteLength, pixels: pixels.slice() } as SamImageEmbedding;
    },
    async decodeSamPoints(embedding, points, n, options): Promise<SamDecodeResult> {
      count('samDecoder');
      const px = (embedding as unknown as { pixels: Float32Array }).pixels;
      const L = samSize;
      const plane = L * L;
      const colourAt = (i: number) => [0, 1, 2].map((c) => px[c * plane + i]);
      const iouScores = new Float32Array(n * 3);
      // into the caller's buffer when it lends one (post-processing's memory), as the model pack does
      const into = options?.lowResLogitsInto;
      const lowResLogits = (into && into.length === n * 3 * plane ? into : new Float32Array(n * 3 * plane)).fill(-8);
      for (let p = 0; p < n; p++) {
        const x = Math.min(L - 1, Math.floor(points[2 * p]));
        const y = Math.min(L - 1, Math.floor(points[2 * p + 1]));
        const seed = colourAt(y * L + x);
        const grey = seed.every((v, c) => Math.abs(v - (128 - [123.675, 116.28, 103.53][c]) / [58.395, 57.12, 57.375][c]) < 0.05);
        const mask = new Uint8Array(plane);
        const stack = [y * L + x];
        mask[y * L + x] = 1;
        while (stack.length) {
          const i = stack.pop()!;
          const cx = i % L;
          const cy = (i / L) | 0;
          for (const [dx, dy] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
            const nx = cx + dx;
            const ny = cy + dy;
            if (nx < 0 || ny < 0 || nx >= L || ny >= L) continue;
            const j = ny * L + nx;
            if (mask[j]) continue;
            const c = colourAt(j);
            if (c.every((v, k) => Math.abs(v - seed[k]) < 0.05)) {
              mask[j] = 1;
              stack.push(j);
            }
          }
        }
        for (let m = 0; m < 3; m++) {
          iouScores[p * 3 + m] = grey ? 0.5 : 0.95;
          const off = (p * 3 + m) * plane;
          for (let i = 0; i < plane; i++) if (mask[i]) lowResLogits[off + i] = 8;
        }
      }
      return { iouScores, lowResLogits, points: n };
    },
    callCounts() {
      return { ...calls };
    },
    async dispose() {
      calls.disposed = (calls.disposed ?? 0) + 1;
    },
  };
}
