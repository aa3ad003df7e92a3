import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scoreMask, summarizeMetrics } from './segmentation-metrics';

describe('metrics', () => {
  it('IoU, mIoU, oIoU and precision on a hand-computed set', () => {
    const a = scoreMask(Uint8Array.from([1, 1, 0, 0]), Uint8Array.from([1, 0, 0, 0])); // 1/2
    const b = scoreMask(Uint8Array.from([1, 1, 1, 1]), Uint8Array.from([1, 1, 1, 0])); // 3/4
    const c = scoreMask(new Uint8Array(4), Uint8Array.from([1, 0, 0, 0])); // empty prediction: 0
    const m = summarizeMetrics([a, b, c]);
    expect(m.mIoU).toBeCloseTo((0.5 + 0.75 + 0) / 3, 12);
    expect(m.oIoU).toBeCloseTo((1 + 3 + 0) / (2 + 4 + 1), 12);
    // strict IoU > t: 0.5 is not a hit at 0.5
    expect(m.precision).toEqual({ '0.5': 1 / 3, '0.6': 1 / 3, '0.7': 1 / 3, '0.8': 0, '0.9': 0 });
  });
  it('degenerate cases: empty prediction and empty ground truth agree (IoU 1); empty set → error', () => {
    const e = scoreMask(new Uint8Array(4), new Uint8Array(4));
    expect(e.iou).toBe(1);
    expect(summarizeMetrics([e]).oIoU).toBe(1);
    expect(() => summarizeMetrics([])).toThrow(/at least one/);
    expect(() => scoreMask(new Uint8Array(3), new Uint8Array(4))).toThrow(/length 4, expected 3/);
  });
  it('identical masks give mIoU = oIoU = 1 (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 1, maxLength: 50, min: 0, max: 1 }), { minLength: 1, maxLength: 10 }), (ms) => {
        const m = summarizeMetrics(ms.map((x) => scoreMask(x, x)));
        expect(m.mIoU).toBe(1);
        expect(m.oIoU).toBe(1);
      }),
    );
  });
});
