import { assertLength, assertPositiveInt, PipelineError } from '../errors/pipeline.errors';

/** Row-wise L2 normalisation of [N, E] embeddings (a zero row → INVALID_VALUE naming it). */
export function l2NormalizeRows(vectors: Float32Array, rows: number, dim: number): Float32Array {
  assertPositiveInt('embedding dim', dim);
  assertLength('embeddings', vectors.length, rows * dim, `[${rows}, ${dim}]`);
  const out = new Float32Array(vectors.length);
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let j = 0; j < dim; j++) ss += vectors[r * dim + j] * vectors[r * dim + j];
    if (!(ss > 0) || !Number.isFinite(ss)) {
      throw new PipelineError('INVALID_VALUE', `embedding row ${r} has norm² ${ss}; cannot normalise`);
    }
    const inv = 1 / Math.sqrt(ss);
    for (let j = 0; j < dim; j++) out[r * dim + j] = vectors[r * dim + j] * inv;
  }
  return out;
}

/**
 * The text target r a region embedding is scored against: sentenceWeight·sentence + rootWeight·root, both
 * L2-normalised first (reference: hard 1.0/0.0, soft 0.5/0.5; paper: r = mean of sentence and subject token = 0.5/0.5).
 * Not renormalised after mixing (as the reference).
 */
export function textTarget(sentence: Float32Array, root: Float32Array | null, sentenceWeight: number, rootWeight: number): Float32Array {
  const dim = sentence.length;
  const s = l2NormalizeRows(sentence, 1, dim);
  const out = new Float32Array(dim);
  for (let j = 0; j < dim; j++) out[j] = sentenceWeight * s[j];
  if (rootWeight !== 0) {
    if (!root) throw new PipelineError('INVALID_VALUE', `rootWeight ${rootWeight} needs a root-word embedding, got none`);
    assertLength('root embedding', root.length, dim, `[${dim}]`);
    const r = l2NormalizeRows(root, 1, dim);
    for (let j = 0; j < dim; j++) out[j] += rootWeight * r[j];
  }
  return out;
}

/** s_D per region: normalise each region embedding [N, E], dot with the text target [E]. */
export function regionScores(regionEmbeds: Float32Array, regions: number, target: Float32Array): Float64Array {
  const dim = target.length;
  const v = l2NormalizeRows(regionEmbeds, regions, dim);
  const out = new Float64Array(regions);
  for (let i = 0; i < regions; i++) {
    let d = 0;
    for (let j = 0; j < dim; j++) d += v[i * dim + j] * target[j];
    out[i] = d;
  }
  return out;
}
