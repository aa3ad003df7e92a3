import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { PipelineError } from '../errors/pipeline.errors';
import { checkExpression, MAX_EXPRESSION_CHARS } from './expression-text';
import { checkSegmentOptions, PRESET_DEFAULTS } from './segment-options.rules';
import { cliOptionFlag, grpcOptionField, OPTION_TABLE, optionTableMarkdown } from './segment-options.table';
import { resolveSettings } from './segment-presets';
import type { SegmentOptions } from './segment.types';

const fields = (o: SegmentOptions) => checkSegmentOptions(o).issues.map((i) => i.field);

describe('checkSegmentOptions (the one validation of every entry)', () => {
  it('accepts the presets as they are and fills every constant', () => {
    for (const preset of ['paper', 'reference'] as const) {
      const { merged, issues } = checkSegmentOptions({ preset });
      expect(issues).toEqual([]);
      expect(merged).toEqual({ preset, ...PRESET_DEFAULTS[preset] });
      expect(merged.imageSize).toBeNull(); // the pack's, unknown without PackLimits
    }
    expect(checkSegmentOptions().merged.preset).toBe('reference');
  });

  it('keeps the presets of method.md §4', () => {
    expect(PRESET_DEFAULTS.reference).toMatchObject({
      guidanceScale: 9, attentionKind: 'logits', positionalBias: 'ramp', biasBranch: 'hard', fusion: 'reference',
      hardText: { sentence: 1, root: 0 }, softText: { sentence: 0.5, root: 0.5 }, steps: 20, strength: 0.1, topK: 10,
    });
    expect(PRESET_DEFAULTS.paper).toMatchObject({
      guidanceScale: 1, attentionKind: 'probs', positionalBias: 'soft', biasBranch: 'soft', fusion: 'paper',
      hardText: { sentence: 0.5, root: 0.5 }, softText: { sentence: 0.5, root: 0.5 }, alpha: 0.1, beta: 0.3,
    });
  });

  it.each<[string, SegmentOptions, string, RegExp]>([
    ['strength 1', { strength: 1 }, 'strength', /\(0, 1\), got 1/],
    ['strength 0', { strength: 0 }, 'strength', /got 0/],
    ['steps 1000 with the default strength (100 UNet passes)', { steps: 1000 }, 'steps', /1 to 8 UNet passes.*= 100/],
    ['strength × steps > 8', { steps: 100, strength: 0.5 }, 'strength', /= 50/],
    ['strength × steps < 1', { steps: 5, strength: 0.1 }, 'strength', /= 0/],
    ['steps 1', { steps: 1 }, 'steps', /integer in \[2, 1,000\]|integer in \[2, 1000\]/],
    ['steps 2.5', { steps: 2.5 }, 'steps', /integer/],
    ['guidance 0', { guidanceScale: 0 }, 'guidanceScale', /\[1, 50\]/],
    ['topK 1001', { topK: 1001 }, 'topK', /\[1, 1000\]/],
    ['alpha NaN', { alpha: Number.NaN }, 'alpha', /got NaN/],
    ['weights all 0', { weights: { hard: 0, soft: 0, generative: 0 } }, 'weights', /at least one/],
    ['weights 1e308', { weights: { hard: 1e308, soft: 0.3, generative: 0.05 } }, 'weights.hard', /\[0, 100\]/],
    ['weights −1e308', { weights: { hard: 0.7, soft: -1e308, generative: 0.05 } }, 'weights.soft', /got -1e\+308/],
    ['weights Infinity', { weights: { hard: 0.7, soft: 0.3, generative: Infinity } }, 'weights.generative', /Infinity/],
    ['hardText both 0', { hardText: { sentence: 0, root: 0 } }, 'hardText', /at least one/],
    ['softText root 2', { softText: { sentence: 0.5, root: 2 } }, 'softText.root', /\[0, 1\]/],
    ['seed 2³²', { seed: 2 ** 32 }, 'seed', /4294967295/],
    ['seed −1', { seed: -1 }, 'seed', /got -1/],
    ['seed 1.5', { seed: 1.5 }, 'seed', /integer/],
    ['imageSize 100', { imageSize: 100 }, 'imageSize', /multiple of 64/],
    ['attentionLevel 3', { attentionLevel: 3 as 4 }, 'attentionLevel', /1, 2, 4, 8/],
    ['minArea −1', { minArea: -1 }, 'minArea', /integer/],
    ['minAreaRatio 1', { minAreaRatio: 1 }, 'minAreaRatio', /\[0, 1\)/],
    ['biasBranch', { biasBranch: 'both' as 'hard' }, 'biasBranch', /'hard', 'soft'/],
    ['fusion', { fusion: 'mean' as 'paper' }, 'fusion', /'paper', 'reference'/],
    ['preset', { preset: 'fast' as 'paper' }, 'preset', /'paper', 'reference'/],
    ['proposals', { proposals: 'grid' as 'sam' }, 'proposals', /'sam', 'weight-free'/],
  ])('refuses %s, naming the field', (_, options, field, message) => {
    const { issues } = checkSegmentOptions(options);
    expect(issues.map((i) => i.field)).toEqual([field]);
    expect(issues[0].message).toMatch(message);
  });

  it('accepts the bounds themselves and every override', () => {
    expect(fields({ steps: 2, strength: 0.5 })).toEqual([]);
    expect(fields({ steps: 80, strength: 0.1 })).toEqual([]);
    expect(fields({ seed: 4294967295 })).toEqual([]);
    expect(fields({ weights: { hard: 0, soft: 0, generative: 1 } })).toEqual([]);
    expect(fields({ guidanceScale: 1, topK: 1000, imageSize: 2048, minArea: 0, minAreaRatio: 0, alpha: 1, beta: 0 })).toEqual([]);
    const { merged } = checkSegmentOptions({ preset: 'reference', biasBranch: 'soft', hardText: { sentence: 0.5, root: 0.5 }, fusion: 'paper' });
    expect(merged).toMatchObject({ biasBranch: 'soft', hardText: { sentence: 0.5, root: 0.5 }, fusion: 'paper', guidanceScale: 9 });
  });

  it('with the pack known, fills its defaults and applies its limits', () => {
    const pack = { packName: 'p', sdImageSize: 512, clipImageSize: 224, clipDynamicImageSize: false, clipLayers: 1 };
    const { merged, issues } = checkSegmentOptions({ preset: 'paper' }, pack);
    expect(issues).toEqual([]);
    expect(merged).toMatchObject({ imageSize: 512, clipResolution: 'fixed', maskedLayer: -1 });
    expect(checkSegmentOptions({ clipResolution: 'full', maskedLayer: 2, clipMaxSide: 100 }, pack).issues.map((i) => i.field)).toEqual([
      'clipResolution',
      'clipMaxSide',
      'maskedLayer',
    ]);
    // without the pack only the pack-independent bounds apply
    expect(fields({ clipResolution: 'full', maskedLayer: 2, clipMaxSide: 100 })).toEqual([]);
    expect(fields({ maskedLayer: 0 })).toEqual(['maskedLayer']);
  });

  it('lists every problem at once', () => {
    expect(fields({ alpha: 2, beta: -1, topK: 0 })).toEqual(['alpha', 'beta', 'topK']);
  });

  it('resolveSettings throws the same problems as one INVALID_ARGUMENT', () => {
    const sd = { packName: 'p', sd: { imageSize: 512 }, clip: { imageSize: 224, dynamicImageSize: true, layers: 12 } } as Parameters<typeof resolveSettings>[1];
    expect(resolveSettings({}, sd).imageSize).toBe(512);
    expect(resolveSettings({ imageSize: 256 }, sd).imageSize).toBe(256);
    let err: unknown;
    try {
      resolveSettings({ strength: 1, topK: 0 }, sd);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PipelineError);
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((err as Error).message).toMatch(/strength: .*; topK: /);
  });
});

describe('option names per entry', () => {
  it('renames fields for gRPC and the CLI', () => {
    expect(grpcOptionField('guidanceScale')).toBe('options.overrides.guidance_scale');
    expect(grpcOptionField('weights.hard')).toBe('options.overrides.weights.hard');
    expect(grpcOptionField('proposals')).toBe('options.proposal_source');
    expect(grpcOptionField('seed')).toBe('options.seed');
    expect(cliOptionFlag('minAreaRatio')).toBe('--min-area-ratio');
    expect(cliOptionFlag('hardText.root')).toBe('--hard-text (root)');
  });

  it('the table lists every preset constant', () => {
    const names = OPTION_TABLE.map((r) => r.name).sort();
    expect(names).toEqual(['preset', ...Object.keys(PRESET_DEFAULTS.reference)].sort());
  });

  it('docs/options.md holds the current table', async () => {
    const doc = await readFile(new URL('../../../../docs/options.md', import.meta.url), 'utf8');
    // stale? run `npm run -w @refdiff/pipeline options-table`
    expect(doc).toContain(optionTableMarkdown());
  });
});

describe('checkExpression', () => {
  it('refuses empty, emoji-only and over-long expressions without a tokenizer', () => {
    expect(checkExpression('the red box')).toBeNull();
    expect(checkExpression('   ')).toMatchObject({ code: 'EXPRESSION_EMPTY' });
    expect(checkExpression('🍎🍌🍇')).toMatchObject({ code: 'EXPRESSION_EMPTY' });
    expect(checkExpression('a'.repeat(MAX_EXPRESSION_CHARS + 1))).toMatchObject({ code: 'EXPRESSION_TOO_LONG' });
  });

  it('counts code points, not UTF-16 units', () => {
    // 499 astral letters (𝐚, 2 UTF-16 units each) and a space: 998 units, 500 code points
    const astral = 'the ' + '𝐚'.repeat(MAX_EXPRESSION_CHARS - 4);
    expect(astral.length).toBeGreaterThan(MAX_EXPRESSION_CHARS);
    expect(checkExpression(astral)).toBeNull();
    expect(checkExpression(astral + 'b')).toMatchObject({ code: 'EXPRESSION_TOO_LONG' });
  });
});
