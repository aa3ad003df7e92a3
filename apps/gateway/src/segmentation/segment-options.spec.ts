import { readFileSync } from 'node:fs';
import { buildSchema, isInputObjectType } from 'graphql';
import { OPTION_TABLE } from '@refdiff/pipeline/options';
import { describe, expect, it } from 'vitest';
import { toEngineOptions, toWorkerMessage, toWorkerOptions, validateExpressions } from './segment-options';

const schema = buildSchema(readFileSync(new URL('../graphql/schema.graphql', import.meta.url), 'utf8'));

describe('GraphQL options', () => {
  it('SegmentOptionsInput has a field for every option of the shared table', () => {
    const input = schema.getType('SegmentOptionsInput');
    if (!isInputObjectType(input)) throw new Error('SegmentOptionsInput missing');
    const fields = Object.keys(input.getFields());
    for (const row of OPTION_TABLE) expect(fields, row.name).toContain(row.graphql);
  });

  it('every field is translated for the engine and the worker', () => {
    const input = {
      preset: 'PAPER', proposals: 'WEIGHT_FREE', seed: 4294967295, alpha: 0.2, beta: 0.4,
      weights: { hard: 0.5, soft: 0.5, generative: 0.1 }, imageSize: 256, steps: 40, strength: 0.2, guidanceScale: 3,
      attentionLevel: 2, attentionKind: 'LOGITS', topK: 5, minArea: 5, minAreaRatio: 0.01, positionalBias: 'RAMP',
      biasBranch: 'HARD', thresholdMode: 'QUANTILE', hardText: { sentence: 0.25, root: 0.75 }, softText: { sentence: 1, root: 0 },
      fusion: 'REFERENCE', clipResolution: 'FIXED', clipMaxSide: 640, maskedLayer: -1,
    } as const;
    const engine = toEngineOptions(input);
    for (const row of OPTION_TABLE) expect(engine, row.name).toHaveProperty(row.name);
    expect(engine).toMatchObject({ proposals: 'weight-free', biasBranch: 'hard', clipResolution: 'fixed', fusion: 'reference' });
    const message = toWorkerMessage(engine);
    expect(Object.keys(message.overrides ?? {}).length + 3).toBe(OPTION_TABLE.length); // + preset, proposalSource, seed
    expect(toWorkerOptions(input)).toEqual(message);
  });

  it('names each bad field in BAD_USER_INPUT', () => {
    expect(() => toWorkerOptions({ steps: 1000, seed: -1 })).toThrow(/options\.steps: .*UNet passes.*; options\.seed: /);
    expect(() => validateExpressions(['ok', '', '🙂'])).toThrow(/expressions\[1\]: .*; expressions\[2\]: /);
  });
});
