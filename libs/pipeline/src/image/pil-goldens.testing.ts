/**
 * The PIL bilinear goldens (test/fixtures/pil-bilinear/goldens.json, made by tools/pil-bilinear-goldens.py with
 * Pillow itself: CI has no PIL, so the values are committed) and the test image they were made from. For specs only.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RgbImage } from './rgb-image';

export interface PilGolden {
  in: [number, number];
  out: [number, number];
  seed: number;
  sha256: string;
  samples: [number, number, number, number, number][];
  pixels?: string;
}

export function loadPilGoldens(): { generator: string; cases: PilGolden[] } {
  return JSON.parse(readFileSync(fileURLToPath(new URL('../../test/fixtures/pil-bilinear/goldens.json', import.meta.url)), 'utf8'));
}

/** Mirror of `test_image` in tools/pil-bilinear-goldens.py. */
export function pilGoldenImage(width: number, height: number, seed: number): RgbImage {
  let state = seed >>> 0 || 1;
  const data = new Uint8Array(width * height * 3);
  let i = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        state = (state ^ (state << 13)) >>> 0;
        state = (state ^ (state >>> 17)) >>> 0;
        state = (state ^ (state << 5)) >>> 0;
        const noise = state >>> 24;
        const cell = ((x >> 3) + (y >> 3) + c) % 3;
        if (cell === 0) data[i] = noise;
        else if (cell === 1) data[i] = c !== 1 ? Math.floor((x * 255) / Math.max(1, width - 1)) : Math.floor((y * 255) / Math.max(1, height - 1));
        else data[i] = (x + 2 * y + c) % 11 < 5 ? 250 : 3;
        i++;
      }
    }
  }
  return { width, height, data };
}
