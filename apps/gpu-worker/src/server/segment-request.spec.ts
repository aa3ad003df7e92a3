import { OPTION_TABLE } from '@refdiff/pipeline';
import { workerPackageDefinition, type SegmentRequest__Output } from '@refdiff/worker-contract';
import { describe, expect, it } from 'vitest';
import { validateSegmentRequest } from './segment-request';

const limits = { maxImageBytes: 1 << 20, maxExpressions: 8 };

describe('gRPC options', () => {
  it('the proto has a field for every option of the shared table', () => {
    const fields = (name: string) =>
      ((workerPackageDefinition()[`refdiff.worker.v1.${name}`] as { type: { field: { name: string }[] } }).type.field).map((f) => f.name);
    const top = fields('SegmentOptions');
    const overrides = fields('Overrides');
    for (const row of OPTION_TABLE) {
      // the loader camel-cases proto field names (proposal_source → proposalSource)
      const [head, name] = row.grpc.split('.').map((p) => p.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()));
      expect(name ? overrides : top, row.grpc).toContain(name ?? head);
    }
  });

  it('every field reaches the engine', () => {
    const req = {
      image: 'imageSha256',
      imageSha256: 'a'.repeat(64),
      expressions: ['the red box'],
      options: {
        preset: 'PRESET_PAPER', proposalSource: 'PROPOSAL_SOURCE_WEIGHT_FREE', seed: 4294967295, returnAttention: false,
        overrides: {
          alpha: 0.2, beta: 0.4, weights: { hard: 0.5, soft: 0.5, generative: 0.1 }, imageSize: 256, steps: 40, strength: 0.2,
          guidanceScale: 3, attentionLevel: 2, attentionKind: 'ATTENTION_KIND_LOGITS', topK: 5, minArea: 5, minAreaRatio: 0.01,
          positionalBias: 'POSITIONAL_BIAS_RAMP', biasBranch: 'DISCRIMINATIVE_BRANCH_HARD', thresholdMode: 'THRESHOLD_MODE_QUANTILE',
          hardText: { sentence: 0.25, root: 0.75 }, softText: { sentence: 1, root: 0 }, fusion: 'PRESET_REFERENCE',
          clipResolution: 'CLIP_RESOLUTION_FIXED', clipMaxSide: 640, maskedLayer: -1,
        },
      },
    } as unknown as SegmentRequest__Output;
    const { options } = validateSegmentRequest(req, limits);
    for (const row of OPTION_TABLE) expect(options, row.name).toHaveProperty(row.name);
    expect(options).toMatchObject({ proposals: 'weight-free', biasBranch: 'hard', clipResolution: 'fixed', fusion: 'reference', maskedLayer: -1 });
  });
});
