import { assertLength, PipelineError } from '../errors/pipeline.errors';

/**
 * IoU of two boxes as torchvision's `box_iou` computes it on SAM's boxes: area = (x1 − x0)·(y1 − y0) on the
 * inclusive pixel coordinates SAM produces (no +1), 0 when the union is 0 (torchvision's NaN never suppresses).
 */
export function boxIou(boxes: Float64Array | Float32Array | Int32Array, a: number, b: number): number {
  const ax0 = boxes[a * 4];
  const ay0 = boxes[a * 4 + 1];
  const ax1 = boxes[a * 4 + 2];
  const ay1 = boxes[a * 4 + 3];
  const bx0 = boxes[b * 4];
  const by0 = boxes[b * 4 + 1];
  const bx1 = boxes[b * 4 + 2];
  const by1 = boxes[b * 4 + 3];
  const iw = Math.min(ax1, bx1) - Math.max(ax0, bx0);
  const ih = Math.min(ay1, by1) - Math.max(ay0, by0);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Greedy box NMS (torchvision.ops.nms, as SAM's AMG calls it through batched_nms with one category): visit boxes by
 * score descending (ties: lower index first), drop every later box whose IoU with a kept one is > threshold.
 * boxes: [N, 4] (x0, y0, x1, y1). → kept indices, highest score first.
 */
export function boxNms(boxes: Float64Array | Float32Array | Int32Array, scores: ArrayLike<number>, iouThreshold: number): Int32Array {
  const n = scores.length;
  assertLength('boxes', boxes.length, n * 4, `[${n}, 4]`);
  if (!(iouThreshold >= 0 && iouThreshold <= 1)) {
    throw new PipelineError('INVALID_VALUE', `NMS IoU threshold must be in [0, 1], got ${iouThreshold}`);
  }
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) throw new PipelineError('INVALID_VALUE', `NMS score[${i}] is NaN`);
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
  const removed = new Uint8Array(n);
  const keep: number[] = [];
  for (let oi = 0; oi < n; oi++) {
    const i = order[oi];
    if (removed[i]) continue;
    keep.push(i);
    for (let oj = oi + 1; oj < n; oj++) {
      const j = order[oj];
      if (!removed[j] && boxIou(boxes, i, j) > iouThreshold) removed[j] = 1;
    }
  }
  return Int32Array.from(keep);
}
