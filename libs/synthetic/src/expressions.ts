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
  | 'color-noun-at-side' // green square at the bottom
  | 'extreme-noun' // the leftmost shape (direction only)
  | 'noun-side' // the one on the right / the object at the top (direction only)
  | 'corner-color-noun' // top left red square
  | 'color-noun-in-corner'; // the red square in the bottom right

/**
 * What an expression relies on: `color` (colour alone), `color-direction` (colour + one direction),
 * `corner` (colour + a vertical and a horizontal direction), `direction` (one direction, no colour).
 */
export type ExpressionKind = 'color' | 'color-direction' | 'corner' | 'direction';
export const EXPRESSION_KINDS: readonly ExpressionKind[] = ['color', 'color-direction', 'corner', 'direction'];
/** The kinds of the original world (every expression names the referent's colour): the library default. */
export const CLASSIC_KINDS: readonly ExpressionKind[] = ['color', 'color-direction'];

export interface ReferringExpression {
  readonly text: string;
  /** index of the referent in scene.objects */
  readonly target: number;
  /** the colour word (null for direction-only expressions) */
  readonly color: ColorName | null;
  /** the (first) direction cue the expression carries (null: colour alone identifies the referent) */
  readonly direction: Direction | null;
  /** every direction cue (two for corners: vertical, then horizontal) */
  readonly directions: readonly Direction[];
  readonly form: ExpressionForm;
  readonly kind: ExpressionKind;
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
export function resolveReference(scene: Scene, color: ColorName | null, direction: Direction | null): number | null {
  // colour null: every object is a candidate (direction-only expressions)
  const candidates = scene.objects.filter((o) => color === null || o.color === color);
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

/**
 * The meaning of a corner (colour + vertical + horizontal direction): the object both directions single out among
 * the objects of that colour (each under resolveReference's rule), else null.
 */
export function resolveCorner(scene: Scene, color: ColorName | null, vertical: 'top' | 'bottom', horizontal: 'left' | 'right'): number | null {
  const v = resolveReference(scene, color, vertical);
  return v !== null && resolveReference(scene, color, horizontal) === v ? v : null;
}

function nounFor(o: SceneObject, rng: Rng): string {
  return rng.next() < 0.6 ? rng.pick(SHAPE_NOUNS[o.kind]) : rng.pick(GENERIC_NOUNS);
}

function phrase(form: ExpressionForm, color: string, noun: string, direction: Direction | null, rng: Rng): string {
  // only the classic forms (one colour, at most one direction) are phrased here
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
    default:
      throw new Error(`form ${form} is not a colour form`);
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
  return useDirection ? colorDirectionPhrase(scene, target, noun, rng.pick(directions), rng) : colorPhrase(scene, target, noun, rng);
}

/** "the red square" / "the square that is red" (the `color` kind). */
function colorPhrase(scene: Scene, target: number, noun: string, rng: Rng): ReferringExpression {
  const { color } = scene.objects[target];
  const form: ExpressionForm = rng.next() < 0.7 ? 'color-noun' : 'noun-that-is-color';
  return { text: phrase(form, color, noun, null, rng), target, color, direction: null, directions: [], form, kind: 'color', noun };
}

/** Colour and one direction in one of the forms that direction allows (the `color-direction` kind). */
function colorDirectionPhrase(scene: Scene, target: number, noun: string, direction: Direction, rng: Rng): ReferringExpression {
  const { color } = scene.objects[target];
  const forms: ExpressionForm[] =
    direction === 'left' || direction === 'right'
      ? ['color-one-side', 'extreme-color-noun', 'color-noun-at-side']
      : ['extreme-color-noun', 'color-noun-at-side'];
  const form = rng.pick(forms);
  const text = phrase(form, color, noun, direction, rng);
  return { text, target, color, direction, directions: [direction], form, kind: 'color-direction', noun: form === 'color-one-side' ? 'one' : noun };
}

/** A colour expression (colour alone, as the `color` kind) for `target`, or null when its colour is not unique. */
function colorExpression(scene: Scene, target: number, rng: Rng): ReferringExpression | null {
  const o = scene.objects[target];
  if (resolveReference(scene, o.color, null) !== target) return null;
  return colorPhrase(scene, target, nounFor(o, rng), rng);
}

/** Colour + one direction that singles `target` out among its colour (even when the colour alone would do). */
function colorDirectionExpression(scene: Scene, target: number, rng: Rng): ReferringExpression | null {
  const o = scene.objects[target];
  const directions = DIRECTIONS.filter((d) => resolveReference(scene, o.color, d) === target);
  if (directions.length === 0) return null;
  const noun = nounFor(o, rng);
  return colorDirectionPhrase(scene, target, noun, rng.pick(directions), rng);
}

/** Colour + a corner ("top left red square", "the red one in the bottom right"): both directions single it out. */
function cornerExpression(scene: Scene, target: number, rng: Rng): ReferringExpression | null {
  const o = scene.objects[target];
  const corners: ['top' | 'bottom', 'left' | 'right'][] = [];
  for (const v of ['top', 'bottom'] as const) for (const h of ['left', 'right'] as const) if (resolveCorner(scene, o.color, v, h) === target) corners.push([v, h]);
  if (corners.length === 0) return null;
  const [v, h] = rng.pick(corners);
  const form: ExpressionForm = rng.next() < 0.5 ? 'corner-color-noun' : 'color-noun-in-corner';
  const noun = rng.next() < 0.2 ? 'one' : nounFor(o, rng);
  const text =
    form === 'corner-color-noun'
      ? `${rng.next() < 0.5 ? '' : 'the '}${v} ${h} ${o.color} ${noun}`
      : `${rng.next() < 0.5 ? 'the ' : ''}${o.color} ${noun} ${rng.pick(['in', 'at'])} the ${v} ${h}`;
  return { text, target, color: o.color, direction: v, directions: [v, h], form, kind: 'corner', noun };
}

/**
 * Direction only ("the leftmost shape", "the one on the right"): the direction singles the object out among all
 * objects. Only generic nouns (shape, object, thing, one): a shape noun would read as a restriction.
 */
function directionExpression(scene: Scene, target: number, rng: Rng): ReferringExpression | null {
  const directions = DIRECTIONS.filter((d) => resolveReference(scene, null, d) === target);
  if (directions.length === 0) return null;
  const direction = rng.pick(directions);
  const noun = rng.pick([...GENERIC_NOUNS, 'one']);
  const form: ExpressionForm = rng.next() < 0.5 ? 'extreme-noun' : 'noun-side';
  const text =
    form === 'extreme-noun'
      ? `the ${EXTREME_WORD[direction]} ${noun}`
      : `the ${noun} ${direction === 'left' || direction === 'right' ? 'on' : 'at'} the ${direction}`;
  return { text, target, color: null, direction, directions: [direction], form, kind: 'direction', noun };
}

const KIND_EXPRESSION: Record<ExpressionKind, (scene: Scene, target: number, rng: Rng) => ReferringExpression | null> = {
  color: colorExpression,
  'color-direction': colorDirectionExpression,
  corner: cornerExpression,
  direction: directionExpression,
};

export interface ExpressionsOptions extends ExpressionOptions {
  /**
   * Expression kinds to produce. Default (or exactly CLASSIC_KINDS): the original world — one expression per
   * object, colour plus a direction when needed. Otherwise one expression per object and per kind that can single
   * it out (so a scene yields several kinds for the same object).
   */
  readonly kinds?: readonly ExpressionKind[];
}

function isClassic(kinds: readonly ExpressionKind[] | undefined): boolean {
  return kinds === undefined || (kinds.length === CLASSIC_KINDS.length && CLASSIC_KINDS.every((k) => kinds.includes(k)));
}

/** An expression for every object that colour and position can single out, in object order (per kind, see `kinds`). */
export function referringExpressions(scene: Scene, rng: Rng, options: ExpressionsOptions = {}): ReferringExpression[] {
  const out: ReferringExpression[] = [];
  if (isClassic(options.kinds)) {
    for (const o of scene.objects) {
      const e = referringExpression(scene, o.index, rng, options);
      if (e) out.push(e);
    }
    return out;
  }
  for (const k of options.kinds!) if (!EXPRESSION_KINDS.includes(k)) throw new RangeError(`unknown expression kind ${k}`);
  for (const o of scene.objects) {
    for (const kind of EXPRESSION_KINDS) {
      if (!options.kinds!.includes(kind)) continue;
      const e = KIND_EXPRESSION[kind](scene, o.index, rng);
      if (e) out.push(e);
    }
  }
  return out;
}
