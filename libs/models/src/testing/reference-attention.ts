/**
 * Plain-JS reference of the tiny UNet's cross-attention (tiny-graphs.ts), computed from its weights, so tests
 * can compare what the prepared pack returns with an independent computation.
 */
function matmul(a: Float32Array, rows: number, inner: number, w: Float32Array, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let k = 0; k < inner; k++) {
      const av = a[r * inner + k];
      for (let c = 0; c < cols; c++) out[r * cols + c] += av * w[k * cols + c];
    }
  return out;
}

/** logits [N, M] and probs of one head: q [N, inner], k [M, inner] (columns h·dh…). */
function headAttention(q: Float64Array, k: Float64Array, n: number, m: number, inner: number, h: number, dh: number) {
  const logits = new Float64Array(n * m);
  const probs = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let d = 0; d < dh; d++) s += q[i * inner + h * dh + d] * k[j * inner + h * dh + d];
      s /= Math.sqrt(dh);
      logits[i * m + j] = s;
      max = Math.max(max, s);
    }
    let sum = 0;
    for (let j = 0; j < m; j++) sum += (probs[i * m + j] = Math.exp(logits[i * m + j] - max));
    for (let j = 0; j < m; j++) probs[i * m + j] /= sum;
  }
  return { logits, probs };
}

/**
 * Cross-attention logits and probs of a tiny-UNet layer, flattened as [B, heads, HW, 77] (which is also the
 * memory order of [B·heads, HW, 77]).
 */
export function referenceCrossAttention(args: {
  weights: ReadonlyMap<string, Float32Array>;
  layerPrefix: string; // e.g. /down_blocks.0/attentions.0/transformer_blocks.0
  level: number;
  sample: Float32Array; // [B, C, H, W]
  ehs: Float32Array; // [B, 77, D]
  batch: number;
  dims: { c: number; d: number; heads: number; dh: number };
  side: number; // H = W
}): { logits: Float32Array; probs: Float32Array; hw: number } {
  const { weights: w, layerPrefix: p, level, batch, dims, side } = args;
  const { c, d, heads, dh } = dims;
  const inner = heads * dh;
  const s = side / level;
  const n = s * s;
  const get = (name: string) => {
    const v = w.get(`${p}/${name}`);
    if (!v) throw new Error(`no weight ${p}/${name}`);
    return v;
  };
  const logits = new Float32Array(batch * heads * n * 77);
  const probs = new Float32Array(batch * heads * n * 77);
  for (let b = 0; b < batch; b++) {
    // average-pool and NHWC tokens
    const x = new Float32Array(n * c);
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < s; y++)
        for (let xx = 0; xx < s; xx++) {
          let acc = 0;
          for (let dy = 0; dy < level; dy++)
            for (let dx = 0; dx < level; dx++) acc += args.sample[((b * c + ch) * side + y * level + dy) * side + xx * level + dx];
          x[(y * s + xx) * c + ch] = acc / (level * level);
        }
    // self-attention (attn1) and residual
    const q1 = matmul(x, n, c, get('attn1/to_q.weight'), inner);
    const k1 = matmul(x, n, c, get('attn1/to_k.weight'), inner);
    const v1 = matmul(x, n, c, get('attn1/to_v.weight'), inner);
    const merged = new Float32Array(n * inner);
    for (let h = 0; h < heads; h++) {
      const { probs: pr } = headAttention(q1, k1, n, n, inner, h, dh);
      for (let i = 0; i < n; i++)
        for (let dd = 0; dd < dh; dd++) {
          let acc = 0;
          for (let j = 0; j < n; j++) acc += pr[i * n + j] * v1[j * inner + h * dh + dd];
          merged[i * inner + h * dh + dd] = acc;
        }
    }
    const o1 = matmul(merged, n, inner, get('attn1/to_out.weight'), c);
    const x1 = new Float32Array(n * c);
    for (let i = 0; i < n * c; i++) x1[i] = x[i] + o1[i];
    // cross-attention (attn2)
    const q2 = matmul(x1, n, c, get('attn2/to_q.weight'), inner);
    const k2 = matmul(args.ehs.subarray(b * 77 * d, (b + 1) * 77 * d), 77, d, get('attn2/to_k.weight'), inner);
    for (let h = 0; h < heads; h++) {
      const r = headAttention(q2, k2, n, 77, inner, h, dh);
      logits.set(r.logits, (b * heads + h) * n * 77);
      probs.set(r.probs, (b * heads + h) * n * 77);
    }
  }
  return { logits, probs, hw: n };
}
