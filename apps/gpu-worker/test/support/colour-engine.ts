import { createHash } from 'node:crypto';
import type {
  ExpressionError,
  ExpressionResult,
  ImageCacheStats,
  RefDiff,
  SegmentOptions,
  SegmentResult,
} from '@refdiff/pipeline';
import { encodeRle } from './coco-rle';

/**
 * A small honest RefDiff for protocol tests: images are binary PPM (P6); an expression naming red, green or blue
 * segments the pixels where that channel dominates. It keeps a real byte-bounded LRU of decoded images by sha256,
 * throws the engine's typed errors, and waits `delayMs` per call in an abort-aware way.
 */
export class EngineError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Decoded {
  width: number;
  height: number;
  rgb: Uint8Array;
}

const COLOURS = ['red', 'green', 'blue'] as const;

export function encodePpm(width: number, height: number, rgb: Uint8Array): Uint8Array {
  const header = Buffer.from(`P6\n${width} ${height}\n255\n`, 'ascii');
  return Buffer.concat([header, Buffer.from(rgb)]);
}

/** A width×height grey image with one filled rectangle per colour; returns the image and each colour's truth mask. */
export function syntheticScene(
  width: number,
  height: number,
  rects: Partial<Record<(typeof COLOURS)[number], [number, number, number, number]>>,
) {
  const rgb = new Uint8Array(width * height * 3).fill(90);
  const truth: Record<string, Uint8Array> = {};
  for (const [colour, [x0, y0, x1, y1]] of Object.entries(rects)) {
    const c = COLOURS.indexOf(colour as (typeof COLOURS)[number]);
    const mask = new Uint8Array(width * height);
    for (let y = y0; y <= y1; y++) {
      for (let x = x0; x <= x1; x++) {
        const i = y * width + x;
        mask[i] = 1;
        rgb[i * 3] = rgb[i * 3 + 1] = rgb[i * 3 + 2] = 20;
        rgb[i * 3 + c] = 230;
      }
    }
    truth[colour] = mask;
  }
  return { bytes: encodePpm(width, height, rgb), truth };
}

function decodePpm(bytes: Uint8Array): Decoded {
  const head = Buffer.from(bytes.subarray(0, 64)).toString('latin1');
  const m = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(head);
  if (!m) throw new EngineError('INVALID_IMAGE', 'not a binary PPM (P6) image');
  const width = Number(m[1]);
  const height = Number(m[2]);
  const offset = m[0].length;
  if (width < 1 || height < 1 || bytes.length - offset !== width * height * 3) {
    throw new EngineError('INVALID_IMAGE', `PPM ${width}×${height} has ${bytes.length - offset} pixel bytes`);
  }
  return { width, height, rgb: bytes.slice(offset) };
}

function abortableDelay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new EngineError('ABORTED', 'aborted'));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new EngineError('ABORTED', 'aborted'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export class ColourEngine implements RefDiff {
  readonly packName = 'colour-test-engine';
  readonly packChecksum = 'c010a7';
  delayMs = 0;
  /** calls that completed, by request tag (the first expression) */
  readonly completed: string[] = [];
  aborted = 0;
  disposed = false;
  readonly inputs: ('bytes' | 'sha256')[] = [];
  private readonly cache = new Map<string, Decoded>();
  private bytes = 0;
  private hits = 0;
  private misses = 0;

  constructor(private readonly capacityBytes = 10 * 1024 * 1024) {}

  hasImage(sha256: string, cacheNamespace?: string): boolean {
    return this.cache.has(cacheNamespace ? `${cacheNamespace}/${sha256}` : sha256);
  }

  async segment(
    input: ({ image: Uint8Array } | { sha256: string }) & { cacheNamespace?: string },
    expressions: readonly string[],
    options: SegmentOptions = {},
  ): Promise<SegmentResult> {
    this.inputs.push('image' in input ? 'bytes' : 'sha256');
    let sha: string;
    let image: Decoded | undefined;
    let hit = false;
    const key = (s: string) => (input.cacheNamespace ? `${input.cacheNamespace}/${s}` : s);
    if ('image' in input) {
      sha = createHash('sha256').update(input.image).digest('hex');
      image = this.cache.get(key(sha));
      hit = image !== undefined;
      image ??= decodePpm(input.image);
    } else {
      sha = input.sha256;
      image = this.cache.get(key(sha));
      if (!image) throw new EngineError('IMAGE_NOT_CACHED', `image ${sha} not cached`);
      hit = true;
    }
    if (hit) this.hits++;
    else this.misses++;
    this.remember(key(sha), image);
    try {
      await abortableDelay(this.delayMs, options.signal);
    } catch (err) {
      this.aborted++;
      throw err;
    }
    const results = expressions.map((e) => this.one(image, e));
    this.completed.push(expressions[0] ?? '');
    return {
      image: { width: image.width, height: image.height, sha256: sha },
      preset: options.preset ?? 'reference',
      proposalSource: options.proposals ?? 'weight-free',
      results,
      timingsMs: hit ? {} : { decode: 0.5 },
      modelCalls: hit ? {} : { colour: 1 },
      imageCacheHit: hit,
    };
  }

  private remember(sha: string, image: Decoded) {
    if (this.cache.has(sha)) {
      this.cache.delete(sha);
      this.cache.set(sha, image); // most recent last
      return;
    }
    this.cache.set(sha, image);
    this.bytes += image.rgb.length;
    for (const [key, old] of this.cache) {
      if (this.bytes <= this.capacityBytes) break;
      this.cache.delete(key);
      this.bytes -= old.rgb.length;
    }
  }

  private one(image: Decoded, expression: string): ExpressionResult | ExpressionError {
    const words = expression.toLowerCase().split(/\W+/);
    const index = words.findIndex((w) => (COLOURS as readonly string[]).includes(w));
    if (expression.trim() === '') {
      return { ok: false, expression, error: { code: 'EXPRESSION_EMPTY', message: 'empty expression' } };
    }
    if (index < 0) {
      return { ok: false, expression, error: { code: 'NO_COLOUR', message: 'names no colour' } };
    }
    const c = COLOURS.indexOf(words[index] as (typeof COLOURS)[number]);
    const { width, height, rgb } = image;
    const mask = new Uint8Array(width * height);
    let area = 0;
    let [x0, y0, x1, y1] = [width, height, -1, -1];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = y * width + x;
        const v = rgb[i * 3 + c];
        const others = (rgb[i * 3] + rgb[i * 3 + 1] + rgb[i * 3 + 2] - v) / 2;
        if (v > 128 && others < 100) {
          mask[i] = 1;
          area++;
          x0 = Math.min(x0, x);
          y0 = Math.min(y0, y);
          x1 = Math.max(x1, x);
          y1 = Math.max(y1, y);
        }
      }
    }
    const bbox: [number, number, number, number] = area ? [x0, y0, x1, y1] : [0, 0, -1, -1];
    return {
      ok: true,
      expression,
      mask: { rle: { size: [height, width], counts: encodeRle(mask, height, width) }, bbox, area },
      chosen: 0,
      score: 1,
      proposals: [{ generative: 1, hard: 1, soft: 1, fused: 1, bbox, area, filtered: false }],
      root: { index, word: words[index] },
      directions: [],
      timingsMs: { threshold: 0.1 },
    };
  }

  cacheStats(): ImageCacheStats {
    return {
      entries: this.cache.size,
      bytes: this.bytes,
      capacityBytes: this.capacityBytes,
      hits: this.hits,
      misses: this.misses,
    };
  }

  modelCalls(): Readonly<Record<string, number>> {
    return { colour: this.misses };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
  }
}
