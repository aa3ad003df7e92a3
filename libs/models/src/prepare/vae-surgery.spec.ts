import { describe, expect, it } from 'vitest';
import { buildModel, valueInfo } from '../onnx/graph-builder';
import { readGraphSummary } from '../onnx/wire';
import { Builder, prng } from '../testing/tiny-graphs';
import { tinyVaeEncoder } from '../testing/tiny-encoders';
import { exposeVaeMean, findVaeSampling } from './vae-surgery';

const summary = (bytes: Uint8Array) => readGraphSummary(bytes, 'vae.onnx');

describe('VAE sampling surgery', () => {
  it('finds mean + std·eps through casts and wires the mean to the output name', () => {
    const bytes = buildModel(tinyVaeEncoder({ variant: 'latent_sample', sampling: true }));
    const g = summary(bytes);
    expect(findVaeSampling(g, 'vae.onnx')).toEqual([{ randomNode: '/RandomNormalLike', addNode: '/Add_1', mean: 'mean', noise: 'noise', output: 'latent_sample' }]);
    const fixed = summary(exposeVaeMean(bytes, g, 'vae.onnx').bytes);
    const producer = fixed.nodes.filter((n) => n.output.includes('latent_sample'));
    expect(producer.map((n) => [n.opType, n.input[0]])).toEqual([['Identity', 'mean']]);
    // a VAE that does not sample is left as it is
    const plain = buildModel(tinyVaeEncoder({ variant: 'latent_parameters' }));
    expect(exposeVaeMean(plain, summary(plain), 'vae.onnx').bytes).toBe(plain);
  });

  it('refuses noise that reaches the output other than as a scaled term of an Add', () => {
    const b = new Builder(prng(1));
    const eps = b.op('RandomNormalLike', ['sample'], 'eps', '/RandomNormalLike');
    b.op('Add', ['sample', b.op('Tanh', [eps], 'squashed', '/Tanh')], 'latent_sample', '/Add');
    const bytes = buildModel({ name: 'v', nodes: b.nodes, initializers: b.inits, inputs: [valueInfo('sample', 'float32', [1, 4, 2, 2])], outputs: [valueInfo('latent_sample', 'float32', [1, 4, 2, 2])] });
    expect(() => findVaeSampling(summary(bytes), 'vae.onnx')).toThrow(/vae\.onnx: the VAE samples its latent \(\/RandomNormalLike's noise passes through Tanh \/Tanh\).*latent_parameters/);
  });
});
