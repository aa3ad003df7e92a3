import { referringExpressions, type ExpressionKind, type ReferringExpression } from './expressions';
import { createRng } from './prng';
import { crowdedSceneSize, generateScene, randomSceneSize, type Scene } from './scene';

export interface SyntheticSample {
  /** `s<scene>-e<k>`, stable for a seed */
  readonly id: string;
  readonly scene: Scene;
  readonly expression: ReferringExpression;
}

export interface SampleOptions {
  readonly seed: number;
  /** number of samples (expressions) to produce */
  readonly count: number;
  /** largest aspect ratio of random scene sizes (default 2.5, at most 4) */
  readonly maxAspect?: number;
  /** expression kinds (default: the classic colour and colour + direction expressions, one per object) */
  readonly kinds?: readonly ExpressionKind[];
  /** crowded COCO-sized scenes (480–640 px, 3–7 shapes, lighting gradient, noise); maxAspect is then unused */
  readonly crowded?: boolean;
}

/**
 * A deterministic stream of (scene, expression) samples: random scene sizes, every singled-out object of each
 * scene in turn. The dataset format (`DIR/index.jsonl`) is written by the CLI (docs/synthetic-world.md).
 */
export function* syntheticSamples(options: SampleOptions): Generator<SyntheticSample> {
  const rng = createRng(options.seed);
  let produced = 0;
  for (let s = 0; produced < options.count; s++) {
    if (s > options.count * 20 + 100) throw new Error('could not produce enough expressions');
    const { width, height } = options.crowded ? crowdedSceneSize(rng) : randomSceneSize(rng, options.maxAspect);
    const scene = generateScene({ width, height, seed: rng.int(0, 2 ** 31 - 1), crowded: options.crowded });
    const expressions = referringExpressions(scene, rng.fork(s), { kinds: options.kinds });
    for (let k = 0; k < expressions.length && produced < options.count; k++, produced++) {
      yield { id: `s${s}-e${k}`, scene, expression: expressions[k] };
    }
  }
}
