import type { ColorName, ShapeKind } from './palette';
import type { Rng } from './prng';
import type { Scene, SceneObject } from './scene';

export type Direction = 'left' | 'right' | 'top' | 'bottom';
export const DIRECTIONS: readonly Direction[] = ['left', 'right', 'top', 'bottom'];

export type ExpressionForm =
  | 'color-noun' // the red circle
  | 'noun-that-is-color' // the circle that is yellow
  | 'color-one-side' // red one on the left / the red one on the right
  | 'extreme-color-noun' // the leftmost blue shape
  | 'color-noun-at-side'; // green square at the bottom

export interface ReferringExpression {
  readonly text: string;
  /** index of the referent in scene.objects */
  readonly target: number;
  readonly color: ColorName;
  /** the direction cue the expression carries (null: colour alone identifies the referent) */
  readonly direction: Direction | null;
  readonly form: ExpressionForm;
  readonly noun: string;
}

/** Nouns carry no meaning in the world; each expression uses a noun that is true of its referent. */
export const SHAPE_NOUNS: Readonly<Record<ShapeKind, readonly string[]>> = {
  circle: ['circle', 'ball'],
  square: ['square', 'box', 'block'],
  triangle: ['triangle'],
};
export const GENERIC_NOUNS = ['shape', 'object', 'thing'] as const;

/** A direction singles out the extreme object of a colour only if the runner-up is this far behind (of the extent). */
export const DIRECTION_MARGIN = 0.15;

const EXTREME_WORD: Record<Direction, string> = { left: 'leftmost', right: 'rightmost', top: 'topmost', bottom: 'bottommost' };

function coordinate(o: SceneObject, d: Direction): number {
  // larger = further in direction d
  switch (d) {
    case 'left':
      return -o.cx;
    case 'right':
      return o.cx;
    case 'top':
      return -o.cy;
    case 'bottom':
      return o.cy;
  }
}

/**
 * The meaning of (colour, direction) in a scene: the index of the one object it denotes, or null when it denotes
 * none or several. Colour alone: the only object of that colour. With a direction: among the objects of that
 * colour, the one furthest in that direction, provided it is ≥ DIRECTION_MARGIN of the image extent ahead of the
 * runner-up and its centre lies in the named half of the image.
 */
export function resolveReference(scene: Scene, color: ColorName, direction: Direction | null): number | null {
  const candidates = scene.objects.filter((o) => o.color === color);
  if (candidates.length === 0) return null;
  if (direction === null) return candidates.length === 1 ? candidates[0].index : null;
  const extent = direction === 'left' || direction === 'right' ? scene.width : scene.height;
  const sorted = [...candidates].sort((a, b) => coordinate(b, direction) - coordinate(a, direction));
  const best = sorted[0];
  if (sorted.length > 1 && coordinate(best, direction) - coordinate(sorted[1], direction) < DIRECTION_MARGIN * extent) {
    return null;
  }
  // in the named half: e.g. left → cx < W/2
  if (coordinate(best, direction) + (direction === 'left' || direction === 'top' ? extent / 2 : -extent / 2) <= 0) return null;
  return best.index;
}

function nounFor(o: SceneObject, rng: Rng): string {
  return rng.next() < 0.6 ? rng.pick(SHAPE_NOUNS[o.kind]) : rng.pick(GENERIC_NOUNS);
}

function phrase(form: ExpressionForm, color: string, noun: string, direction: Direction | null, rng: Rng): string {
  switch (form) {
    case 'color-noun':
      return `the ${color} ${noun}`;
    case 'noun-that-is-color':
      return `the ${noun} that is ${color}`;
    case 'color-one-side':
      return `${rng.next() < 0.5 ? '' : 'the '}${color} one on the ${direction}`;
    case 'extreme-color-noun':
      return `the ${EXTREME_WORD[direction as Direction]} ${color} ${noun}`;
    case 'color-noun-at-side':
      return `${color} ${noun} at the ${direction}`;
  }
}

export interface ExpressionOptions {
  /** chance of adding a (true) direction cue when the colour alone already identifies the referent (default 0.3) */
  readonly extraDirectionProbability?: number;
}

/**
 * One referring expression for the object `target`, or null when colour and position cannot single it out.
 * The expression names the referent's colour, plus a direction when needed (or, sometimes, when true anyway);
 * it never relies on the shape.
 */
export function referringExpression(scene: Scene, target: number, rng: Rng, options: ExpressionOptions = {}): ReferringExpression | null {
  const o = scene.objects[target];
  if (!o) throw new RangeError(`target ${target} is not an object of the scene (${scene.objects.length} objects)`);
  const colorOnly = resolveReference(scene, o.color, null) === target;
  const directions = DIRECTIONS.filter((d) => resolveReference(scene, o.color, d) === target);
  const useDirection = !colorOnly || (directions.length > 0 && rng.next() < (options.extraDirectionProbability ?? 0.3));
  if (useDirection && directions.length === 0) return null;
  const noun = nounFor(o, rng);
  if (!useDirection) {
    const form: ExpressionForm = rng.next() < 0.7 ? 'color-noun' : 'noun-that-is-color';
    return { text: phrase(form, o.color, noun, null, rng), target, color: o.color, direction: null, form, noun };
  }
  const direction = rng.pick(directions);
  const forms: ExpressionForm[] =
    direction === 'left' || direction === 'right'
      ? ['color-one-side', 'extreme-color-noun', 'color-noun-at-side']
      : ['extreme-color-noun', 'color-noun-at-side'];
  const form = rng.pick(forms);
  const text = phrase(form, o.color, noun, direction, rng);
  return { text, target, color: o.color, direction, form, noun: form === 'color-one-side' ? 'one' : noun };
}

/** An expression for every object that colour and position can single out, in object order. */
export function referringExpressions(scene: Scene, rng: Rng, options: ExpressionOptions = {}): ReferringExpression[] {
  const out: ReferringExpression[] = [];
  for (const o of scene.objects) {
    const e = referringExpression(scene, o.index, rng, options);
    if (e) out.push(e);
  }
  return out;
}
