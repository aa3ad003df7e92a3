import { positionalBias, positionalBiasAxes, type PositionalBiasAxes } from '../clip/positional-bias';
import { clipPatchMasks } from '../clip/patch-masks';
import { cropNormalization, hardCropInto, planClipCrop, type ClipCropPlan } from '../clip/clip-crop';
import type { RgbImage } from '../image/rgb-image';
import type { RefDiffModels } from '../ports/ref-diff-models';
import { l2NormalizeRows, regionScores, textTarget } from '../scoring/discriminative-score';
import type { CallContext } from './call-context';
import type { ExpressionText } from './expression-text';
import { clipFullInput, clipSquareInput, type ImageState, type RegionEmbeddings } from './image-state';
import type { ResolvedSettings } from './segment-presets';
import { PipelineError } from '../errors/pipeline.errors';

/** CLIP images per encodeClipImage call */
const CLIP_BATCH = 32;

/** Proposal areas and tight inclusive boxes [x0, y0, x1, y1], aligned with the masks. */
export interface ProposalGeometry {
  readonly areas: readonly number[];
  readonly boxes: readonly (readonly [number, number, number, number])[];
}

export interface DiscriminativeScores {
  /** per proposal; NaN for proposals that do not compete (never encoded) */
  readonly hard: Float64Array;
  readonly soft: Float64Array;
}

/**
 * The discriminative branches (method.md §2.6 / §3):
 * - hard = f(x ⊙ P ⊙ M_i): the masked crop on black, cropped to the mask's box; at `clipResolution: 'full'` (both
 *   presets, as the reference) its short side resized to the CLIP size (224, aspect kept, the position embedding
 *   interpolated to the crop's patch grid), at 'fixed' centred on a square and resized to 224²; scored against the
 *   hard text target;
 * - soft = f_Mi(x [⊙ P]): masked-attention region tokens over the whole image — at 'full' the image at its own
 *   size (⌊H/16⌋ × ⌊W/16⌋ patches), at 'fixed' the padded 224² square — read after encoder layer `maskedLayer`
 *   (post-layernorm + projection), scored against the soft text target.
 * P multiplies the hard branch (reference) or the soft branch (paper). Whatever does not depend on the expression is
 * cached in the ImageState: the unbiased soft embeddings of SAM's proposals and their unbiased hard embeddings.
 */
export class DiscriminativeScorer {
  private readonly targets = new Map<ExpressionText, { hard: Float32Array; soft: Float32Array }>();

  constructor(
    private readonly models: RefDiffModels,
    private readonly state: ImageState,
    private readonly s: ResolvedSettings,
    private readonly ctx: CallContext,
  ) {}

  /** the hard crops' encoder batch, reused by every batch of this call (each crop writes all of its slot) */
  private scratch: Float32Array | null = null;

  private batchBuffer(length: number): Float32Array {
    if (!this.scratch || this.scratch.length < length) this.scratch = new Float32Array(length);
    return this.scratch.subarray(0, length);
  }

  private get dim(): number {
    return this.models.constants.clip.embedDim;
  }

  /** CLIP text for all expressions at once: [sentences…, root words…] in one call. */
  async encodeTexts(texts: readonly ExpressionText[]): Promise<void> {
    const n = texts.length;
    const L = this.models.constants.tokenizer.contextLength;
    const ids = new Int32Array(2 * n * L);
    texts.forEach((t, i) => {
      ids.set(t.clipIds, i * L);
      ids.set(t.rootIds, (n + i) * L);
    });
    const emb = await this.ctx.time('clipTextMs', () =>
      this.ctx.model('clipText', () => this.models.encodeClipText(ids, 2 * n, { signal: this.ctx.signal })),
    );
    const E = this.dim;
    if (emb.length !== 2 * n * E) {
      throw new PipelineError('PACK_MISMATCH', `CLIP text encoder returned ${emb.length} values for ${2 * n} prompts; expected [${2 * n}, ${E}]`);
    }
    texts.forEach((t, i) => {
      const sentence = emb.slice(i * E, (i + 1) * E);
      const root = emb.slice((n + i) * E, (n + i + 1) * E);
      this.targets.set(t, {
        hard: textTarget(sentence, root, this.s.hardText.sentence, this.s.hardText.root),
        soft: textTarget(sentence, root, this.s.softText.sentence, this.s.softText.root),
      });
    });
  }

  /** P for the expression's direction cues, or null; computed once per image and cue list (ImageState). */
  private bias(text: ExpressionText, branch: 'hard' | 'soft'): Float32Array | null {
    const s = this.s;
    if (s.positionalBias === 'off' || s.biasBranch !== branch || text.directions.length === 0) return null;
    const cues = text.directions.map((d) => d.cue);
    const mode = s.positionalBias;
    return this.state.positionalBias(`${mode}:${cues.join(',')}`, () => positionalBias(cues, this.state.width, this.state.height, mode));
  }

  /**
   * P's axes for the hard branch, or null: the crops read P only inside their boxes, so the W·H map is not made
   * (positionalBiasAxes; the same values as the map's).
   */
  private biasAxes(text: ExpressionText): PositionalBiasAxes | null {
    const s = this.s;
    if (s.positionalBias === 'off' || s.biasBranch !== 'hard' || text.directions.length === 0) return null;
    return positionalBiasAxes(
      text.directions.map((d) => d.cue),
      this.state.width,
      this.state.height,
      s.positionalBias,
    );
  }

  /**
   * Scores the competing proposals (keep = 1). `samIndices` maps proposals to SAM's list when they come from the
   * image cache (null for weight-free proposals, which change with every expression). `geometry`: the proposals'
   * areas and tight boxes when the caller has them (the hard crops then skip a scan of each mask).
   */
  async score(
    text: ExpressionText,
    masks: readonly Uint8Array[],
    keep: Uint8Array,
    samIndices: readonly number[] | null,
    need: { hard: boolean; soft: boolean } = { hard: true, soft: true },
    geometry?: ProposalGeometry,
  ): Promise<DiscriminativeScores> {
    const n = masks.length;
    const hard = new Float64Array(n).fill(NaN);
    const soft = new Float64Array(n).fill(NaN);
    if (!need.hard && !need.soft) return { hard, soft };
    const target = this.targets.get(text);
    if (!target) throw new PipelineError('INTERNAL', 'text embeddings were not computed for this expression');
    // identical proposals (nested weight-free masks with equal areas) are encoded once
    const rep = new Int32Array(n).fill(-1);
    const competing: number[] = [];
    for (let i = 0; i < n; i++) {
      if (!keep[i]) continue;
      let same = -1;
      if (!samIndices) {
        for (const j of competing) {
          // masks of different areas differ: only equal areas need the pixel comparison
          if ((!geometry || geometry.areas[i] === geometry.areas[j]) && sameMask(masks[i], masks[j])) {
            same = j;
            break;
          }
        }
      }
      rep[i] = same >= 0 ? same : i;
      if (same < 0) competing.push(i);
    }

    // a branch with zero weight in the fusion is not computed (its scores stay NaN)
    if (need.hard) {
      await this.ctx.time('clipHardMs', () => this.hardScores(text, target.hard, masks, competing, samIndices, hard, geometry));
    }
    if (need.soft) await this.ctx.time('clipSoftMs', () => this.softScores(text, target.soft, masks, competing, samIndices, soft));
    for (let i = 0; i < n; i++) {
      if (rep[i] >= 0 && rep[i] !== i) {
        hard[i] = hard[rep[i]];
        soft[i] = soft[rep[i]];
      }
    }
    return { hard, soft };
  }

  private async hardScores(
    text: ExpressionText,
    target: Float32Array,
    masks: readonly Uint8Array[],
    competing: readonly number[],
    samIndices: readonly number[] | null,
    out: Float64Array,
    geometry?: ProposalGeometry,
  ): Promise<void> {
    const E = this.dim;
    const bias = this.biasAxes(text);
    // SAM proposals come from the image cache, so their crops depend only on P: cache by (P, proposal)
    const cacheable = samIndices !== null;
    const biasKey = bias === null ? '' : `${this.s.positionalBias}:${[...new Set(text.directions.map((d) => d.cue))].sort().join('+')}`;
    // the crop also depends on the CLIP resolution (and its cap)
    const hardVariant = this.s.clipResolution === 'full' ? `full${this.s.clipMaxSide}|` : 'fixed|';
    const embeds = new Map<number, Float32Array>();
    const todo: number[] = [];
    for (const i of competing) {
      const hit = cacheable ? this.state.hardEmbeddings.get(`${hardVariant}${biasKey}#${samIndices[i]}`) : undefined;
      if (hit) embeds.set(i, hit);
      else todo.push(i);
    }
    const clip = this.models.constants.clip;
    const full = this.s.clipResolution === 'full';
    // crops of one size go to the encoder together (full resolution: every crop keeps its aspect)
    const groups = new Map<string, { width: number; height: number; items: { i: number; plan: ClipCropPlan }[] }>();
    for (const i of todo) {
      const plan = planClipCrop(this.state.image, masks[i], {
        biasAxes: bias ?? undefined,
        mode: full ? 'short-side' : 'padded-square',
        size: clip.imageSize,
        maxSide: this.s.clipMaxSide,
        box: geometry && geometry.areas[i] > 0 ? geometry.boxes[i] : undefined,
      });
      const key = `${plan.width}x${plan.height}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { width: plan.width, height: plan.height, items: [] }));
      g.items.push({ i, plan });
    }
    for (let c = 0; c < 3 && groups.size > 0; c++) {
      if (!(clip.std[c] > 0)) throw new PipelineError('INVALID_VALUE', `std[${c}] must be > 0, got ${clip.std[c]}`);
    }
    const cropNorm = cropNormalization(1 / 255, clip.mean, clip.std);
    for (const g of groups.values()) {
      const n = 3 * g.width * g.height;
      for (let start = 0; start < g.items.length; start += CLIP_BATCH) {
        const part = g.items.slice(start, start + CLIP_BATCH);
        // each crop resized and normalised straight into its slot of the batch (toClipPixels(maskedClipCrop(…)))
        const pixels = this.batchBuffer(part.length * n);
        for (let k = 0; k < part.length; k++) await hardCropInto(part[k].plan, cropNorm, pixels.subarray(k * n, (k + 1) * n));
        const size = g.width === g.height ? g.width : { width: g.width, height: g.height };
        const emb = await this.ctx.model('clipImage', () =>
          this.models.encodeClipImage(pixels, part.length, size, { signal: this.ctx.signal }),
        );
        if (emb.length !== part.length * E) {
          throw new PipelineError('PACK_MISMATCH', `CLIP vision returned ${emb.length} values for ${part.length} crops; expected [${part.length}, ${E}]`);
        }
        const norm = l2NormalizeRows(emb, part.length, E);
        part.forEach(({ i }, k) => {
          const row = norm.slice(k * E, (k + 1) * E);
          embeds.set(i, row);
          if (cacheable) this.state.hardEmbeddings.set(`${hardVariant}${biasKey}#${samIndices[i]}`, row);
        });
      }
    }
    for (const [i, row] of embeds) {
      let d = 0;
      for (let j = 0; j < E; j++) d += row[j] * target[j];
      out[i] = d;
    }
  }

  private async softScores(
    text: ExpressionText,
    target: Float32Array,
    masks: readonly Uint8Array[],
    competing: readonly number[],
    samIndices: readonly number[] | null,
    out: Float64Array,
  ): Promise<void> {
    if (competing.length === 0) return;
    const E = this.dim;
    const bias = this.bias(text, 'soft');
    if (samIndices !== null && bias === null) {
      // every SAM proposal encoded once per image on the unbiased image
      const variant = `${this.s.clipResolution}${this.s.clipResolution === 'full' ? this.s.clipMaxSide : ''}|layer${this.s.maskedLayer}`;
      const all = await this.state.samSoft(variant, () => this.encodeRegions(null, masks));
      for (const i of competing) {
        const k = samIndices[i];
        let d = 0;
        for (let j = 0; j < E; j++) d += all.data[k * E + j] * target[j];
        out[i] = d;
      }
      return;
    }
    const emb = await this.encodeRegions(bias, competing.map((i) => masks[i]));
    const scores = regionScores(emb.data, competing.length, target);
    competing.forEach((i, k) => (out[i] = scores[k]));
  }

  private async encodeRegions(bias: Float32Array | null, masks: readonly Uint8Array[]): Promise<RegionEmbeddings> {
    const c = this.models.constants.clip;
    const E = c.embedDim;
    let pixels: Float32Array;
    let patchMasks: Uint8Array;
    let size: { width: number; height: number };
    if (this.s.clipResolution === 'full') {
      // the reference: the whole image at its own size, masks nearest-downsampled to ⌊H/16⌋ × ⌊W/16⌋
      const input = bias
        ? await clipFullInput(applyBias(this.state.image, bias), this.models, this.s.clipMaxSide)
        : await this.state.clipFull(this.models, this.ctx, this.s.clipMaxSide);
      const grid = { width: Math.floor(input.width / c.patchSize), height: Math.floor(input.height / c.patchSize) };
      pixels = input.pixels;
      patchMasks = clipPatchMasks(masks, this.state.width, this.state.height, grid);
      size = { width: input.width, height: input.height };
    } else {
      const square = bias
        ? await clipSquareInput(applyBias(this.state.image, bias), this.models)
        : await this.state.clipSquare(this.models, this.ctx);
      const grid = Math.floor(c.imageSize / c.patchSize);
      pixels = square.pixels;
      patchMasks = clipPatchMasks(masks, this.state.width, this.state.height, grid, square.placement);
      size = { width: c.imageSize, height: c.imageSize };
    }
    const emb = await this.ctx.model('clipRegions', () =>
      this.models.encodeClipRegions(pixels, patchMasks, masks.length, { signal: this.ctx.signal, ...size, layer: this.s.maskedLayer }),
    );
    if (emb.length !== masks.length * E) {
      throw new PipelineError('PACK_MISMATCH', `CLIP region encoder returned ${emb.length} values for ${masks.length} regions; expected [${masks.length}, ${E}]`);
    }
    return { data: l2NormalizeRows(emb, masks.length, E), dim: E };
  }
}

function sameMask(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if ((a[i] !== 0) !== (b[i] !== 0)) return false;
  return true;
}

/** x ⊙ P, truncated to 8 bits like numpy's astype(uint8). */
export function applyBias(image: RgbImage, bias: Float32Array): RgbImage {
  const out = new Uint8Array(image.data.length);
  for (let i = 0; i < bias.length; i++) {
    const f = bias[i];
    const o = i * 3;
    out[o] = Math.floor(image.data[o] * f);
    out[o + 1] = Math.floor(image.data[o + 1] * f);
    out[o + 2] = Math.floor(image.data[o + 2] * f);
  }
  return { width: image.width, height: image.height, data: out };
}
