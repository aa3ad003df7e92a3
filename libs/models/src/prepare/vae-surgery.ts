/**
 * Determinism for VAE encoders that *sample* their latent. diffusers' `DiagonalGaussianDistribution.sample()`
 * exports as `mean + std · RandomNormalLike(…)` (mean = the first half of the moments, std = exp(½·clip(logvar))),
 * possibly with Casts around the noise; two runs then differ even with the same request and seed. The surgery
 * finds that Add, keeps the mean operand and drops the noise operand: the Add's output is renamed (left dangling,
 * so the sampling branch is dead) and an `Identity(mean)` takes over its name. The result is the distribution
 * mean — what `latent_parameters` exports give and what the pipeline expects — and runs are repeatable.
 */
import { ModelPackError } from '../errors';
import { node } from '../onnx/graph-builder';
import type { OnnxTypes } from '../onnx/onnx-proto';
import { editModel, type GraphSummary } from '../onnx/wire';

const RANDOM_OPS = new Set(['RandomNormalLike', 'RandomNormal', 'RandomUniformLike', 'RandomUniform']);
/** ops that carry the noise to the Add unchanged in kind: eps → std·eps (with casts and reshapes on the way) */
const SCALING_OPS = new Set(['Cast', 'Identity', 'Mul', 'Reshape', 'Unsqueeze', 'Squeeze', 'Expand']);

export interface VaeSamplingSite {
  /** the random node (e.g. `/RandomNormalLike`) */
  readonly randomNode: string;
  /** the Add computing mean + std·eps */
  readonly addNode: string;
  /** the mean operand of that Add */
  readonly mean: string;
  /** the noise operand (std·eps) */
  readonly noise: string;
  /** the Add's output, whose name the mean takes over */
  readonly output: string;
}

/** Random nodes in the graph (sampling of any kind). */
export function randomNodes(g: GraphSummary): OnnxTypes.NodeProto[] {
  return g.nodes.filter((n) => RANDOM_OPS.has(n.opType) && (n.domain ?? '') === '');
}

/**
 * Finds where each random node's noise is added to a mean. Throws EXPORT_UNSUPPORTED, naming the file, when the
 * noise reaches anything but a scaling chain ending in an Add with a noise-free operand.
 */
export function findVaeSampling(g: GraphSummary, file: string): VaeSamplingSite[] {
  const consumers = new Map<string, OnnxTypes.NodeProto[]>();
  for (const n of g.nodes) for (const i of n.input) if (i) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  // every tensor that depends on any random node: a mean operand must not
  const noisy = new Set<string>();
  for (const n of g.nodes) {
    if (RANDOM_OPS.has(n.opType) || n.input.some((i) => noisy.has(i))) for (const o of n.output) noisy.add(o);
  }
  const refuse = (why: string): never => {
    throw new ModelPackError(
      'EXPORT_UNSUPPORTED',
      `${file}: the VAE samples its latent (${why}), and refdiff could not find the mean + std·noise Add to take the mean from. ` +
        'Export the VAE encoder with latent_parameters (mean ‖ logvar) instead (see docs/models.md).',
    );
  };
  return randomNodes(g).map((r) => {
    let tensor = r.output[0];
    for (let hops = 0; hops < 16; hops++) {
      const next = consumers.get(tensor) ?? [];
      if (next.length !== 1) refuse(`${r.name}'s noise is used by ${next.length} nodes`);
      const n = next[0];
      if (n.opType === 'Add' || n.opType === 'Sum') {
        const others = n.input.filter((i) => i !== tensor);
        if (n.input.length !== 2 || others.length !== 1 || noisy.has(others[0])) refuse(`${n.name} adds noise to noise`);
        // the edit finds nodes by name
        if (!n.name || g.nodes.filter((x) => x.name === n.name).length !== 1) refuse(`the Add that adds ${r.name}'s noise has no unique name`);
        return { randomNode: r.name, addNode: n.name, mean: others[0], noise: tensor, output: n.output[0] };
      }
      if (!SCALING_OPS.has(n.opType)) refuse(`${r.name}'s noise passes through ${n.opType} ${n.name}`);
      if (n.opType === 'Mul' && n.input.every((i) => noisy.has(i))) refuse(`${n.name} multiplies noise by noise`);
      tensor = n.output[0];
    }
    return refuse(`${r.name}'s noise takes more than 16 steps to reach an Add`);
  });
}

/** The VAE graph with every sampling Add replaced by its mean operand; `sites` empty means nothing to do. */
export function exposeVaeMean(bytes: Uint8Array, g: GraphSummary, file: string): { bytes: Uint8Array; sites: VaeSamplingSite[] } {
  const sites = findVaeSampling(g, file);
  if (sites.length === 0) return { bytes, sites };
  const edited = editModel(
    bytes,
    {
      insertBefore: new Map(sites.map((s) => [s.addNode, [node('Identity', [s.mean], [s.output], { name: `${s.addNode}/refdiff_posterior_mean` })]])),
      renameOutputs: new Map(sites.map((s) => [s.addNode, { from: s.output, to: `${s.output}/refdiff_sampled` }])),
    },
    file,
  );
  return { bytes: edited, sites };
}
