import { describe, expect, it } from 'vitest';
import { l2NormalizeRows, regionScores, textTarget } from './discriminative-score';
import { argmax, fuseScores, PAPER_FUSION, REFERENCE_FUSION } from './score-fusion';

describe('discriminative scores', () => {
  it('normalises rows and dots them with the mixed text target', () => {
    expect(Array.from(l2NormalizeRows(Float32Array.from([3, 4, 0, 2]), 2, 2))).toEqual([0.6, 0.8, 0, 1].map(Math.fround));
    const r = textTarget(Float32Array.from([2, 0]), Float32Array.from([0, 5]), 0.5, 0.5);
    expect(Array.from(r)).toEqual([0.5, 0.5]);
    const s = regionScores(Float32Array.from([1, 0, 0, 3, 1, 1]), 3, r);
    expect(s[0]).toBeCloseTo(0.5, 7);
    expect(s[1]).toBeCloseTo(0.5, 7);
    expect(s[2]).toBeCloseTo(Math.SQRT1_2, 6);
  });
  it('zero embeddings and a missing root are errors naming the row', () => {
    expect(() => l2NormalizeRows(new Float32Array(4), 2, 2)).toThrow(/row 0 has norm² 0/);
    expect(() => textTarget(Float32Array.from([1]), null, 0.5, 0.5)).toThrow(/root-word embedding/);
  });
});

describe('fusion and argmax', () => {
  const inputs = { generative: [0.2, 0.5, -Infinity], hard: [0.3, 0.1, 0.9], soft: [0.2, 0.4, 0.9], keep: [1, 1, 0] };
  it('reference: 0.7·hard + 0.3·soft + 0.05·s_G, filtered → −∞', () => {
    const s = fuseScores(inputs, REFERENCE_FUSION);
    expect(s[0]).toBeCloseTo(0.7 * 0.3 + 0.3 * 0.2 + 0.05 * 0.2, 12);
    expect(s[1]).toBeCloseTo(0.07 + 0.12 + 0.025, 12);
    expect(s[2]).toBe(-Infinity);
    expect(argmax(s)).toBe(0);
  });
  it('paper: α·s_G + (1 − α)(β·soft + (1 − β)·hard)', () => {
    const s = fuseScores(inputs, PAPER_FUSION);
    expect(s[1]).toBeCloseTo(0.1 * 0.5 + 0.9 * (0.3 * 0.4 + 0.7 * 0.1), 12);
    // α = 0 ignores an empty weight-free proposal's −∞ instead of producing NaN
    const d = fuseScores({ generative: [-Infinity], hard: [0.5], soft: [0.5] }, { kind: 'paper', alpha: 0, beta: 0.3 });
    expect(d[0]).toBeCloseTo(0.5, 12);
  });
  it('argmax breaks ties by the lowest index; all −∞ → 0; empty → −1; NaN → error', () => {
    expect(argmax([1, 3, 3])).toBe(1);
    expect(argmax([-Infinity, -Infinity])).toBe(0);
    expect(argmax([])).toBe(-1);
    expect(() => argmax([0, NaN])).toThrow(/score\[1\] is NaN/);
    expect(() => fuseScores({ generative: [1], hard: [1, 2], soft: [1] }, REFERENCE_FUSION)).toThrow(/hard scores have length 2/);
  });
});
