import { PipelineError } from '../errors/pipeline.errors';
import { cocoSegmentationToMask, type CocoSegmentation } from './coco-segmentation';

/**
 * RefCOCO / RefCOCO+ / RefCOCOg in the forms people share → samples of the dataset format.
 * - `instances`: COCO instances JSON ({images, annotations, categories?}) — the refer toolkit's `instances.json`.
 * - `refs`: the refer toolkit's `refs(unc).p` / `refs(umd).p` / `refs(google).p` converted to JSON: an array of
 *   {ref_id, ann_id, image_id, split, sentences: [{sent, raw?, sent_id}], …}, or an object {refs: [...]}.
 * One sample per sentence; the mask is the referred annotation's segmentation (polygons rasterised like
 * pycocotools' frPoly, RLE decoded). Pure: the CLI reads and writes the files.
 */

export interface CocoImageInfo {
  id: number;
  file_name: string;
  width: number;
  height: number;
}

export interface CocoAnnotation {
  id: number;
  image_id: number;
  segmentation: CocoSegmentation;
  category_id?: number;
}

export interface ReferSentence {
  sent: string;
  raw?: string;
  sent_id?: number;
}

export interface ReferRef {
  ref_id: number;
  ann_id: number;
  image_id: number;
  split?: string;
  sentences: ReferSentence[];
}

export interface RefcocoSentenceSample {
  id: string;
  refId: number;
  annId: number;
  sentId: number | null;
  split: string | null;
  expression: string;
  image: CocoImageInfo;
}

export interface RefcocoImportPlan {
  samples: RefcocoSentenceSample[];
  /** annotation id → annotation, only those referred to */
  annotations: Map<number, CocoAnnotation>;
  skipped: { refId: number | null; reason: string }[];
}

function asObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PipelineError('INVALID_VALUE', `${what} must be a JSON object`);
  }
  return value as Record<string, unknown>;
}

export function normaliseRefs(refsJson: unknown): ReferRef[] {
  const list = Array.isArray(refsJson) ? refsJson : asObject(refsJson, 'refs JSON').refs;
  if (!Array.isArray(list)) throw new PipelineError('INVALID_VALUE', 'refs JSON must be an array of refs or {"refs": [...]}');
  return list as ReferRef[];
}

/** Joins refs with the instances file; bad or dangling refs are listed in `skipped`, not thrown. */
export function planRefcocoImport(
  instancesJson: unknown,
  refsJson: unknown,
  options: { splits?: readonly string[] } = {},
): RefcocoImportPlan {
  const inst = asObject(instancesJson, 'instances JSON');
  if (!Array.isArray(inst.images) || !Array.isArray(inst.annotations)) {
    throw new PipelineError('INVALID_VALUE', 'instances JSON needs "images" and "annotations" arrays (COCO instances format)');
  }
  const images = new Map<number, CocoImageInfo>();
  for (const im of inst.images as CocoImageInfo[]) images.set(im.id, im);
  const anns = new Map<number, CocoAnnotation>();
  for (const a of inst.annotations as CocoAnnotation[]) anns.set(a.id, a);

  const splits = options.splits && options.splits.length > 0 ? new Set(options.splits) : null;
  const samples: RefcocoSentenceSample[] = [];
  const used = new Map<number, CocoAnnotation>();
  const skipped: RefcocoImportPlan['skipped'] = [];
  for (const ref of normaliseRefs(refsJson)) {
    if (typeof ref !== 'object' || ref === null || typeof ref.ann_id !== 'number') {
      skipped.push({ refId: null, reason: 'ref without a numeric ann_id' });
      continue;
    }
    const split = typeof ref.split === 'string' ? ref.split : null;
    if (splits && (split === null || !splits.has(split))) continue;
    const ann = anns.get(ref.ann_id);
    if (!ann) {
      skipped.push({ refId: ref.ref_id, reason: `annotation ${ref.ann_id} is not in the instances file` });
      continue;
    }
    const image = images.get(ann.image_id);
    if (!image || !(image.width > 0 && image.height > 0) || typeof image.file_name !== 'string') {
      skipped.push({ refId: ref.ref_id, reason: `image ${ann.image_id} is missing or has no size/file_name` });
      continue;
    }
    if (!Array.isArray(ref.sentences) || ref.sentences.length === 0) {
      skipped.push({ refId: ref.ref_id, reason: 'no sentences' });
      continue;
    }
    used.set(ann.id, ann);
    ref.sentences.forEach((s, i) => {
      const text = (typeof s.sent === 'string' ? s.sent : typeof s.raw === 'string' ? s.raw : '').trim();
      if (text.length === 0) {
        skipped.push({ refId: ref.ref_id, reason: `sentence ${i} is empty` });
        return;
      }
      const sentId = typeof s.sent_id === 'number' ? s.sent_id : null;
      samples.push({
        id: `${ref.ref_id}-${sentId ?? i}`,
        refId: ref.ref_id,
        annId: ann.id,
        sentId,
        split,
        expression: text,
        image,
      });
    });
  }
  return { samples, annotations: used, skipped };
}

/** The referred annotation's mask [H, W] (1 = object). */
export function refcocoMask(ann: CocoAnnotation, image: CocoImageInfo): Uint8Array {
  return cocoSegmentationToMask(ann.segmentation, image.height, image.width);
}
