// The synthetic world the fixture model pack understands (docs/synthetic-world.md).
export { createRng, type Rng } from './prng';
export { BACKGROUND, COLOR_NAMES, COLORS, SHAPE_KINDS, type ColorName, type Rgb, type ShapeKind } from './palette';
export {
  assertSceneSize,
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
  DIRECTION_MARGIN,
  DIRECTIONS,
  GENERIC_NOUNS,
  referringExpression,
  referringExpressions,
  resolveReference,
  SHAPE_NOUNS,
  type Direction,
  type ExpressionForm,
  type ExpressionOptions,
  type ReferringExpression,
} from './expressions';
export { syntheticSamples, type SampleOptions, type SyntheticSample } from './samples';
