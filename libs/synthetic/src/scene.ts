import { BACKGROUND, COLOR_NAMES, COLORS, SHAPE_KINDS, type ColorName, type ShapeKind } from './palette';
import { createRng, type Rng } from './prng';

/** Limits of the world (docs/synthetic-world.md). */
export const MIN_SIDE = 64;
export const MAX_SIDE = 512;
export const MAX_ASPECT = 4;
/** Crowded (COCO-sized) scenes: both sides in [480, 640], 3–7 shapes, a lighting gradient and sensor noise. */
export const CROWDED_MIN_SIDE = 480;
export const CROWDED_MAX_SIDE = 640;
/** Lighting of crowded scenes: brightness factor from 1 − L to 1 + L across the image along a random direction. */
export const CROWDED_LIGHTING = 0.15;
/** Noise of crowded scenes: Gaussian, σ in 0..255 levels, per channel, rounded and clamped. */
export const CROWDED_NOISE_SIGMA = 3;

export interface SceneObject {
  readonly index: number;
  readonly kind: ShapeKind;
  readonly color: ColorName;
  /** top-left corner of the shape's square box, pixels */
  readonly x: number;
  readonly y: number;
  /** side of the box: circle diameter, square side, triangle base and height */
  readonly size: number;
  /** centre of the box (x + size/2, y + size/2) */
  readonly cx: number;
  readonly cy: number;
  /** pixels the shape covers */
  readonly area: number;
}

export interface Scene {
  readonly width: number;
  readonly height: number;
  readonly seed: number;
  readonly objects: readonly SceneObject[];
  /** [H, W, 3] interleaved sRGB */
  readonly image: Uint8Array;
  /** one [H, W] mask per object (1 = the object's pixel) */
  readonly masks: readonly Uint8Array[];
}

export interface SceneOptions {
  readonly width: number;
  readonly height: number;
  readonly seed: number;
  /** how many shapes to try to place (default: 2..6 drawn from the seed); fewer when they do not fit */
  readonly objects?: number;
  /** chance that a new shape reuses a colour already in the scene (default 0.35) */
  readonly repeatColorProbability?: number;
  readonly colors?: readonly ColorName[];
  readonly kinds?: readonly ShapeKind[];
  /**
   * A crowded, COCO-sized scene (sides up to 640): 3–7 shapes (default) of side [0.1·L, 0.16·L] at least
   * max(4, 0.03·L) apart, then a linear lighting gradient (factor 1 ± CROWDED_LIGHTING along a random direction)
   * and Gaussian noise (σ CROWDED_NOISE_SIGMA) over the whole image. Masks stay exact.
   */
  readonly crowded?: boolean;
}

/** Size range of a shape's box for an image: [max(12, 0.1·L), max(16, 0.22·L)] capped at 0.7·short side. */
export function shapeSizeRange(width: number, height: number, crowded = false): { min: number; max: number } {
  const long = Math.max(width, height);
  const short = Math.min(width, height);
  const min = Math.max(12, Math.round(0.1 * long));
  const max = Math.max(min, Math.min(Math.max(16, Math.round((crowded ? 0.16 : 0.22) * long)), Math.floor(0.7 * short)));
  return { min, max };
}

/** Minimum Chebyshev distance between two shapes' boxes: max(4, 0.06·L) pixels (crowded: max(4, 0.03·L)). */
export function shapeGap(width: number, height: number, crowded = false): number {
  return Math.max(4, Math.round((crowded ? 0.03 : 0.06) * Math.max(width, height)));
}

export function assertSceneSize(width: number, height: number, maxSide = MAX_SIDE): void {
  for (const [name, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (!Number.isInteger(v) || v < MIN_SIDE || v > maxSide) {
      throw new RangeError(`scene ${name} must be an integer in [${MIN_SIDE}, ${maxSide}], got ${v}`);
    }
  }
  if (Math.max(width, height) > MAX_ASPECT * Math.min(width, height)) {
    throw new RangeError(`scene aspect ratio ${width}×${height} exceeds ${MAX_ASPECT}:1`);
  }
}

/** Whether the pixel centre (px + 0.5, py + 0.5) lies inside the shape. */
export function shapeContains(kind: ShapeKind, x: number, y: number, size: number, px: number, py: number): boolean {
  const u = px + 0.5 - x;
  const v = py + 0.5 - y;
  if (u < 0 || v < 0 || u > size || v > size) return false;
  switch (kind) {
    case 'square':
      return true;
    case 'circle': {
      const r = size / 2;
      return (u - r) * (u - r) + (v - r) * (v - r) <= r * r;
    }
    case 'triangle':
      // apex at the top centre, base along the bottom edge: half-width at depth v is v/2
      return Math.abs(u - size / 2) <= v / 2;
  }
}

function boxesSeparated(a: { x: number; y: number; size: number }, b: { x: number; y: number; size: number }, gap: number): boolean {
  const gx = Math.max(b.x - (a.x + a.size), a.x - (b.x + b.size));
  const gy = Math.max(b.y - (a.y + a.size), a.y - (b.y + b.size));
  return Math.max(gx, gy) >= gap;
}

function placeShapes(width: number, height: number, rng: Rng, options: SceneOptions) {
  const crowded = options.crowded === true;
  const count = options.objects ?? (crowded ? rng.int(3, 7) : rng.int(2, 6));
  const colors = options.colors ?? COLOR_NAMES;
  const kinds = options.kinds ?? SHAPE_KINDS;
  const repeat = options.repeatColorProbability ?? 0.35;
  const { min, max } = shapeSizeRange(width, height, crowded);
  const gap = shapeGap(width, height, crowded);
  const margin = 2;
  const placed: { kind: ShapeKind; color: ColorName; x: number; y: number; size: number }[] = [];
  for (let n = 0; n < count; n++) {
    const kind = rng.pick(kinds);
    const used = [...new Set(placed.map((p) => p.color))];
    const color = used.length > 0 && rng.next() < repeat ? rng.pick(used) : rng.pick(colors);
    for (let attempt = 0; attempt < 100; attempt++) {
      const size = rng.int(min, max);
      const x = rng.int(margin, width - margin - size);
      const y = rng.int(margin, height - margin - size);
      const box = { x, y, size };
      if (placed.every((p) => boxesSeparated(p, box, gap))) {
        placed.push({ kind, color, x, y, size });
        break;
      }
    }
  }
  return placed;
}

/**
 * A scene of the synthetic world: a grey background with non-overlapping, non-touching filled shapes, rendered
 * without anti-aliasing (a pixel belongs to a shape when its centre does), with one exact mask per shape.
 * Deterministic in (width, height, seed, options).
 */
export function generateScene(options: SceneOptions): Scene {
  const { width, height, seed } = options;
  assertSceneSize(width, height, options.crowded ? CROWDED_MAX_SIDE : MAX_SIDE);
  const rng = createRng(seed);
  const shapes = placeShapes(width, height, rng, options);
  const image = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) image.set(BACKGROUND, i * 3);
  const masks: Uint8Array[] = [];
  const objects: SceneObject[] = shapes.map((s, index) => {
    const mask = new Uint8Array(width * height);
    const rgb = COLORS[s.color];
    let area = 0;
    for (let py = s.y; py < Math.min(height, s.y + s.size + 1); py++) {
      for (let px = s.x; px < Math.min(width, s.x + s.size + 1); px++) {
        if (!shapeContains(s.kind, s.x, s.y, s.size, px, py)) continue;
        const i = py * width + px;
        mask[i] = 1;
        image.set(rgb, i * 3);
        area++;
      }
    }
    masks.push(mask);
    return { index, ...s, cx: s.x + s.size / 2, cy: s.y + s.size / 2, area };
  });
  if (options.crowded) light(image, width, height, rng);
  return { width, height, seed, objects, image, masks };
}

/** Lighting gradient (1 ± CROWDED_LIGHTING along a random direction through the centre) and Gaussian noise, in place. */
function light(image: Uint8Array, width: number, height: number, rng: Rng): void {
  const angle = rng.uniform(0, 2 * Math.PI);
  const dx = Math.cos(angle);
  const dy = Math.sin(angle);
  // projection of the pixel centre on the direction, scaled so the image's corners reach ±1
  const reach = Math.abs(dx) * width / 2 + Math.abs(dy) * height / 2;
  for (let py = 0; py < height; py++) {
    for (let px = 0; px < width; px++) {
      const t = ((px + 0.5 - width / 2) * dx + (py + 0.5 - height / 2) * dy) / reach;
      const factor = 1 + CROWDED_LIGHTING * t;
      const i = (py * width + px) * 3;
      for (let c = 0; c < 3; c++) {
        const v = image[i + c] * factor + CROWDED_NOISE_SIGMA * gaussian(rng);
        image[i + c] = Math.max(0, Math.min(255, Math.round(v)));
      }
    }
  }
}

/** Standard normal (Box–Muller). */
function gaussian(rng: Rng): number {
  const u = 1 - rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

/** A crowded scene's size: each side uniform in [480, 640] (COCO's sizes). */
export function crowdedSceneSize(rng: Rng): { width: number; height: number } {
  return { width: rng.int(CROWDED_MIN_SIDE, CROWDED_MAX_SIDE), height: rng.int(CROWDED_MIN_SIDE, CROWDED_MAX_SIDE) };
}

/** A random image size of the world: long side log-uniform in [64, 512], aspect ratio log-uniform up to 1:2.5. */
export function randomSceneSize(rng: Rng, maxAspect = 2.5): { width: number; height: number } {
  const long = Math.round(Math.exp(rng.uniform(Math.log(MIN_SIDE), Math.log(MAX_SIDE))));
  const aspect = Math.exp(rng.uniform(0, Math.log(Math.min(maxAspect, MAX_ASPECT))));
  const short = Math.max(MIN_SIDE, Math.round(long / aspect));
  return rng.next() < 0.5 ? { width: long, height: short } : { width: short, height: long };
}
