import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { encodeMaskPng, parseDatasetIndex, type DatasetSample, type ParsedDatasetIndex } from '@refdiff/pipeline';
import sharp from 'sharp';

/** Reading and writing the evaluation dataset format (docs/datasets.md) on disk. */

export const INDEX_FILE = 'index.jsonl';

export async function readDatasetIndex(dir: string): Promise<ParsedDatasetIndex> {
  let text: string;
  try {
    text = await readFile(join(dir, INDEX_FILE), 'utf8');
  } catch (err) {
    throw new Error(`cannot read ${join(dir, INDEX_FILE)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  return parseDatasetIndex(text);
}

export function datasetPath(dir: string, rel: string): string {
  return resolve(dir, ...rel.split('/'));
}

/** Forward-slash path of `target` relative to the dataset folder. */
export function relativeToDataset(dir: string, target: string): string {
  const rel = relative(resolve(dir), resolve(target));
  return isAbsolute(rel) ? rel : rel.split(sep).join('/');
}

/** A ground-truth mask PNG → [H, W] bytes, 1 where any channel is nonzero. */
export async function readMaskPng(path: string): Promise<{ mask: Uint8Array; width: number; height: number }> {
  const { data, info } = await sharp(await readFile(path), { failOn: 'error' }).raw().toBuffer({ resolveWithObject: true });
  const n = info.width * info.height;
  const mask = new Uint8Array(n);
  const ch = info.channels;
  // alpha (2nd of 2 or 4th of 4 channels) does not make a pixel part of the object
  const colour = ch === 2 || ch === 4 ? ch - 1 : ch;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < colour; c++) {
      if (data[i * ch + c] !== 0) {
        mask[i] = 1;
        break;
      }
    }
  }
  return { mask, width: info.width, height: info.height };
}

export async function writeFileMkdir(path: string, data: Uint8Array | string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, data);
}

export async function writeMaskPng(path: string, mask: Uint8Array, width: number, height: number): Promise<void> {
  await writeFileMkdir(path, await encodeMaskPng(mask, width, height));
}

export async function writeRgbPng(path: string, rgb: Uint8Array, width: number, height: number): Promise<void> {
  await writeFileMkdir(path, await sharp(rgb, { raw: { width, height, channels: 3 } }).png().toBuffer());
}

export type { DatasetSample };
