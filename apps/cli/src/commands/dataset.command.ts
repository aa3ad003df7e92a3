import { copyFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatDatasetSample, planRefcocoImport, refcocoMask, type DatasetSample } from '@refdiff/pipeline';
import { EXPRESSION_KINDS, syntheticSamples, type ExpressionKind } from '@refdiff/synthetic';
import { INDEX_FILE, relativeToDataset, writeFileMkdir, writeMaskPng, writeRgbPng } from './dataset-io';

export interface SynthOptions {
  out: string;
  n: number;
  seed: number;
  maxAspect?: number;
  /** expression kinds (default: all four; `color,color-direction` is the classic world's stream) */
  kinds?: ExpressionKind[];
  /** crowded COCO-sized scenes (480–640 px, 3–7 shapes, lighting gradient, noise) */
  crowded?: boolean;
}

/**
 * `refdiff dataset synth`: scenes of the synthetic world and their referring expressions, in the dataset format:
 * images/s<k>.png (one per scene), masks/<id>.png (255 = object), index.jsonl with the extra fields
 * kind, form, color, direction, directions, target. Deterministic in (n, seed, maxAspect, kinds, crowded).
 */
export async function runSynth(o: SynthOptions, log: (line: string) => void): Promise<number> {
  const lines: string[] = [];
  const writtenScenes = new Set<string>();
  const kinds = o.kinds ?? EXPRESSION_KINDS;
  const counts = new Map<string, number>();
  for (const s of syntheticSamples({ seed: o.seed, count: o.n, maxAspect: o.maxAspect, kinds, crowded: o.crowded })) {
    const sceneId = s.id.split('-')[0];
    const image = `images/${sceneId}.png`;
    if (!writtenScenes.has(sceneId)) {
      await writeRgbPng(join(o.out, image), s.scene.image, s.scene.width, s.scene.height);
      writtenScenes.add(sceneId);
    }
    const mask = `masks/${s.id}.png`;
    await writeMaskPng(join(o.out, mask), s.scene.masks[s.expression.target], s.scene.width, s.scene.height);
    const sample: DatasetSample = {
      id: s.id,
      image,
      expression: s.expression.text,
      mask,
      extra: {
        kind: s.expression.kind,
        form: s.expression.form,
        color: s.expression.color,
        direction: s.expression.direction,
        directions: [...s.expression.directions],
        target: s.expression.target,
        ...(o.crowded ? { crowded: true } : {}),
      },
    };
    counts.set(s.expression.kind, (counts.get(s.expression.kind) ?? 0) + 1);
    lines.push(formatDatasetSample(sample));
  }
  await writeFileMkdir(join(o.out, INDEX_FILE), lines.map((l) => l + '\n').join(''));
  const byKind = [...counts].map(([k, n]) => `${k} ${n}`).join(', ');
  log(`wrote ${lines.length} expressions (${byKind}) on ${writtenScenes.size} images to ${join(o.out, INDEX_FILE)}`);
  return 0;
}

export interface ImportRefcocoOptions {
  instances: string;
  refs: string;
  images: string;
  out: string;
  split: string[];
  copyImages: boolean;
}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`cannot read the ${what} file ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`the ${what} file ${path} is not JSON: ${(err as Error).message}`);
  }
}

/**
 * `refdiff dataset import-refcoco`: COCO instances + refer-toolkit refs (as JSON) → DIR/index.jsonl and one mask
 * PNG per referred annotation (masks/<annId>.png). Images stay where they are (index paths relative to DIR) unless
 * --copy-images copies them into DIR/images/.
 */
export async function runImportRefcoco(o: ImportRefcocoOptions, log: (line: string) => void): Promise<number> {
  const plan = planRefcocoImport(await readJson(o.instances, 'instances'), await readJson(o.refs, 'refs'), { splits: o.split });
  const lines: string[] = [];
  const masksDone = new Set<number>();
  const imagesDone = new Map<number, string>();
  for (const s of plan.samples) {
    const mask = `masks/${s.annId}.png`;
    if (!masksDone.has(s.annId)) {
      const m = refcocoMask(plan.annotations.get(s.annId)!, s.image);
      await writeMaskPng(join(o.out, mask), m, s.image.width, s.image.height);
      masksDone.add(s.annId);
    }
    let image = imagesDone.get(s.image.id);
    if (image === undefined) {
      const source = join(o.images, s.image.file_name);
      if (o.copyImages) {
        image = `images/${s.image.file_name}`;
        await writeFileMkdir(join(o.out, image), '');
        await copyFile(source, join(o.out, image));
      } else {
        image = relativeToDataset(o.out, source);
      }
      imagesDone.set(s.image.id, image);
    }
    lines.push(
      formatDatasetSample({
        id: s.id,
        image,
        expression: s.expression,
        mask,
        extra: { refId: s.refId, annId: s.annId, sentId: s.sentId, split: s.split },
      }),
    );
  }
  await writeFileMkdir(join(o.out, INDEX_FILE), lines.map((l) => l + '\n').join(''));
  for (const sk of plan.skipped) log(`skipped ref ${sk.refId ?? '?'}: ${sk.reason}`);
  log(`wrote ${lines.length} expressions (${masksDone.size} masks, ${imagesDone.size} images) to ${join(o.out, INDEX_FILE)}`);
  return 0;
}
