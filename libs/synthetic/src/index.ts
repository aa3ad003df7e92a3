// The synthetic world the fixture model pack understands (docs/synthetic-world.md).
export { createRng, type Rng } from './prng';
export { BACKGROUND, COLOR_NAMES, COLORS, SHAPE_KINDS, type ColorName, type Rgb, type ShapeKind } from './palette';
export {
  assertSceneSize,
  CROWDED_LIGHTING,
  CROWDED_MAX_SIDE,
  CROWDED_MIN_SIDE,
  CROWDED_NOISE_SIGMA,
  crowdedSceneSize,
  generateScene,
  MAX_ASPECT,
  MAX_SIDE,
  MIN_SIDE,
  randomSceneSize,
  shapeContains,
  shapeGap,
  shapeSizeRange,
  type Scene,
  type SceneObject,
  type SceneOptions,
} from './scene';
export {
  CLASSIC_KINDS,
  DIRECTION_MARGIN,
  DIRECTIONS,
  EXPRESSION_KINDS,
  GENERIC_NOUNS,
  referringExpression,
  referringExpressions,
  resolveCorner,
  resolveReference,
  SHAPE_NOUNS,
  type Direction,
  type ExpressionForm,
  type ExpressionKind,
  type ExpressionsOptions,
  type ExpressionOptions,
  type ReferringExpression,
} from './expressions';
export { syntheticSamples, type SampleOptions, type SyntheticSample } from './samples';
