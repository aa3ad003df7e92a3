import { PipelineError } from '../errors/pipeline.errors';
import { maskOverlap, type MaskOverlap } from '../masks/binary-mask';

/** Precision thresholds of the referring-segmentation literature. */
export const PRECISION_THRESHOLDS = [0.5, 0.6, 0.7, 0.8, 0.9] as const;

export interface ExpressionScore extends MaskOverlap {
  /** I/U; defined as 1 when both prediction and ground truth are empty (U = 0), else an empty side gives 0 */
  readonly iou: number;
}

export function scoreMask(prediction: Uint8Array, groundTruth: Uint8Array): ExpressionScore {
  const o = maskOverlap(prediction, groundTruth);
  return { ...o, iou: o.union === 0 ? 1 : o.intersection / o.union };
}

export interface SegmentationMetrics {
  readonly count: number;
  /** mean of per-expression IoUs */
  readonly mIoU: number;
  /** ΣI / ΣU over the set (1 when ΣU = 0) */
  readonly oIoU: number;
  /** fraction of expressions with IoU > t (strict, as the reference and CRIS evaluation), keyed '0.5'…'0.9' */
  readonly precision: Readonly<Record<string, number>>;
}

export function summarizeMetrics(scores: readonly Pick<ExpressionScore, 'intersection' | 'union' | 'iou'>[]): SegmentationMetrics {
  if (scores.length === 0) throw new PipelineError('INVALID_VALUE', 'metrics need at least one scored expression, got 0');
  let sumIou = 0;
  let sumI = 0;
  let sumU = 0;
  const hits = PRECISION_THRESHOLDS.map(() => 0);
  scores.forEach((s, i) => {
    if (!(s.iou >= 0 && s.iou <= 1)) throw new PipelineError('INVALID_VALUE', `score ${i} has IoU ${s.iou}, expected [0, 1]`);
    sumIou += s.iou;
    sumI += s.intersection;
    sumU += s.union;
    PRECISION_THRESHOLDS.forEach((t, k) => {
      if (s.iou > t) hits[k]++;
    });
  });
  const precision: Record<string, number> = {};
  PRECISION_THRESHOLDS.forEach((t, k) => {
    precision[t.toFixed(1)] = hits[k] / scores.length;
  });
  return { count: scores.length, mIoU: sumIou / scores.length, oIoU: sumU === 0 ? 1 : sumI / sumU, precision };
}
