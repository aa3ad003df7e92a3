import { describe, expect, it } from 'vitest';
import { fmtMs, fmtScore, percentile } from './format';

describe('format', () => {
  it('takes nearest-rank percentiles', () => {
    const v = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    expect(percentile(v, 50)).toBe(50);
    expect(percentile(v, 90)).toBe(90);
    expect(percentile(v, 99)).toBe(100);
    expect(percentile([7], 50)).toBe(7);
    expect(percentile([], 50)).toBeNull();
  });

  it('shows durations and scores in words a reader expects', () => {
    expect(fmtMs(512)).toBe('512 ms');
    expect(fmtMs(1530)).toBe('1.53 s');
    expect(fmtMs(null)).toBe('—');
    expect(fmtScore(null)).toBe('—');
    expect(fmtScore(0.12345)).toBe('0.123');
  });
});
