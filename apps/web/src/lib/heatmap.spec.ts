import { describe, expect, it } from 'vitest';
import { heatColor } from './heatmap';

describe('heatColor', () => {
  it('maps 0 and 255 to the ends of the ramp and the middle to the middle stop', () => {
    expect(heatColor(0)).toEqual([13, 8, 135]);
    expect(heatColor(255)).toEqual([240, 249, 33]);
    expect(heatColor(127.5)).toEqual([204, 71, 120]);
  });

  it('clamps out-of-range values and grows lighter as attention grows (within rounding)', () => {
    expect(heatColor(-5)).toEqual(heatColor(0));
    expect(heatColor(300)).toEqual(heatColor(255));
    const luma = (v: number) => {
      const [r, g, b] = heatColor(v);
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    for (let v = 0; v < 255; v++) expect(luma(v + 1)).toBeGreaterThanOrEqual(luma(v) - 1) // rounding to whole channel values;
  });
});
