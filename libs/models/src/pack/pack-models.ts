/**
 * RefDiffModels on a model pack: the port the pipeline calls, implemented with the runtime adapter. Adapts the
 * exporters' differences (ids int32/int64; timestep int64/float/fp16, [B] or scalar; VAE latent_sample or
 * latent_parameters; SAM split decoder or Meta's single-prompt decoder; fixed batch sizes) so the pipeline
 * sees one contract.
 */
import type {
  CallOptions,
  SamDecodeOptions,
  ClipImageSize,
  ClipRegionOptions,
  ModelPackConstants,
  RefDiffModels,
  SamDecodeResult,
  SamImageEmbedding,
  UnetAttentionReadout,
  UnetCall,
  UnetResult,
} from '@refdiff/pipeline';
import { ModelRuntimeError } from '../errors';
import type { Manifest, ModelRole } from '../manifest/manifest.schema';
import type { HostTensor, TensorDType } from '../runtime/runtime.types';
import { fromNumbers, toFloat32 } from '../runtime/tensors';
import { batchSlice, runInChunks } from './batching';
import { CLIP_FALLBACK_HEADS, clipRegionPeak, fallbackPeak, memoryLimit, preflight } from './memory-preflight';
import type { PackSession } from './pack-session';

export type CallRole = 'sdText' | 'vae' | 'unet' | 'clipText' | 'clipImage' | 'clipRegions' | 'samEncoder' | 'samDecoder';

function tensorOf(dtype: TensorDType, dims: readonly number[], values: ArrayLike<number>): HostTensor {
  if (dtype === 'float32' && values instanceof Float32Array) return { dtype, dims, data: values };
  if (dtype === 'int32' && values instanceof Int32Array) return { dtype, dims, data: values };
  return fromNumbers(dtype, dims, values);
}

function check(cond: boolean, message: string): void {
  if (!cond) throw new ModelRuntimeError('BAD_ARGUMENT', message);
}

class PackSamEmbedding implements SamImageEmbedding {
  constructor(
    readonly owner: PackModels,
    readonly embeddings: HostTensor,
    readonly positional: HostTensor | undefined,
  ) {}
  get byteSize(): number {
    return this.embeddings.data.byteLength + (this.positional?.data.byteLength ?? 0);
  }
}

export class PackModels implements RefDiffModels {
  private readonly counts: Record<CallRole, number> = {
    sdText: 0,
    vae: 0,
    unet: 0,
    clipText: 0,
    clipImage: 0,
    clipRegions: 0,
    samEncoder: 0,
    samDecoder: 0,
  };
  private disposed = false;

  constructor(
    readonly manifest: Manifest,
    readonly constants: ModelPackConstants,
    private readonly sessions: Readonly<Record<ModelRole, PackSession>>,
    /** bytes the attention of one model call may take; undefined = a fraction of the memory free at the call */
    private readonly maxModelMemory?: number,
  ) {}

  /** Items of a VAE (side in pixels) or UNet (latent side) batch that fit one call; throws RESOURCE_EXHAUSTED if none. */
  private fit(kind: 'vae' | 'unet', side: number, batch: number, minItems = 1): number {
    const m = this.manifest.models;
    const peak =
      kind === 'vae'
        ? (m.vaeEncoder.attentionPeak ?? fallbackPeak('vae', { heads: 1, level: 1, vaeDownsample: this.constants.sd.vaeDownsample }))
        : (m.unet.attentionPeak ??
          fallbackPeak('unet', {
            heads: Math.max(1, ...m.unet.attention.map((a) => a.heads)),
            level: Math.min(8, ...m.unet.attention.map((a) => a.level)),
            vaeDownsample: 1,
          }));
    const what = kind === 'vae' ? `a ${side}×${side} image` : `a ${side}×${side} latent (image ${side * this.constants.sd.vaeDownsample} px)`;
    return preflight(kind === 'vae' ? `the VAE encoder (${m.vaeEncoder.file})` : `the UNet (${m.unet.file})`, peak, side, batch, memoryLimit(this.maxModelMemory), what, minItems);
  }

  /**
   * Sequences of `tokens` tokens that fit one masked-CLIP call (of `sequences` asked); throws RESOURCE_EXHAUSTED
   * when not even one does: a full-resolution soft branch holds heads × T² attention scores per layer.
   */
  private fitClipRegions(tokens: number, sequences: number, what: string): number {
    const entry = this.manifest.models.clipVisionMasked;
    const bytes = this.sessions.clipVisionMasked.spec('inputs', entry.biasInput).dtype === 'float16' ? 2 : 4;
    return preflight(
      `the masked CLIP vision encoder (${entry.file})`,
      clipRegionPeak(entry.attentionHeads ?? CLIP_FALLBACK_HEADS, bytes),
      tokens,
      sequences,
      memoryLimit(this.maxModelMemory),
      what,
      1,
      "Use a smaller clipMaxSide, clipResolution 'fixed' (the 224² square) or fewer proposals (topK)",
    );
  }

  /**
   * Refuses early (before any model runs for a request) when the VAE or one UNet item at this SD image size
   * cannot fit the memory limit: RESOURCE_EXHAUSTED with the figures.
   */
  checkMemory(request: { sdImageSize: number }): void {
    this.fit('vae', request.sdImageSize, 1);
    this.fit('unet', Math.round(request.sdImageSize / this.constants.sd.vaeDownsample), 1);
  }

  private use(role: CallRole, options?: CallOptions): void {
    if (this.disposed) throw new ModelRuntimeError('DISPOSED', `${role}: the model pack was disposed`);
    if (options?.signal?.aborted) throw new ModelRuntimeError('ABORTED', `${role}: aborted`);
    this.counts[role]++;
  }

  private async encodeIds(role: 'sdText' | 'clipText', model: PackSession, output: string, ids: Int32Array, batch: number, options?: CallOptions): Promise<Float32Array> {
    this.use(role, options);
    const ctx = this.constants.tokenizer.contextLength;
    check(ids.length === batch * ctx, `${role}: ids has ${ids.length} values, expected batch ${batch} × ${ctx}`);
    const spec = model.spec('inputs', 'input_ids');
    const all = tensorOf(spec.dtype, [batch, ctx], ids);
    // Some exports also take attention_mask: all ones, as SD's pipeline (causal attention makes the tokens after
    // the end token irrelevant to the hidden states and the pooled embedding before them).
    const maskSpec = model.entry.inputs.find((i) => i.name === 'attention_mask');
    const mask = maskSpec ? fromNumbers(maskSpec.dtype, [batch, ctx], new Array<number>(batch * ctx).fill(1)) : undefined;
    const out = await runInChunks(batch, model.fixedBatch('input_ids'), (start, count, size) =>
      model.run(
        {
          input_ids: batchSlice(all, batch, start, count, size),
          ...(mask ? { attention_mask: batchSlice(mask, batch, start, count, size) } : {}),
        },
        [output],
        options?.signal,
      ),
    );
    return toFloat32(out[output]);
  }

  encodeSdText(ids: Int32Array, batch: number, options?: CallOptions): Promise<Float32Array> {
    return this.encodeIds('sdText', this.sessions.sdTextEncoder, 'last_hidden_state', ids, batch, options);
  }

  encodeClipText(ids: Int32Array, batch: number, options?: CallOptions): Promise<Float32Array> {
    return this.encodeIds('clipText', this.sessions.clipText, 'text_embeds', ids, batch, options);
  }

  async encodeVae(pixels: Float32Array, size: number, options?: CallOptions): Promise<Float32Array> {
    this.use('vae', options);
    check(pixels.length === 3 * size * size, `vae: pixels has ${pixels.length} values, expected 1 × 3 × ${size} × ${size}`);
    const model = this.sessions.vaeEncoder;
    const variant = this.manifest.models.vaeEncoder.variant;
    this.fit('vae', size, 1);
    const spec = model.spec('inputs', 'sample');
    const out = (await model.run({ sample: tensorOf(spec.dtype, [1, 3, size, size], pixels) }, [variant], options?.signal))[variant];
    const data = toFloat32(out);
    if (variant === 'latent_sample') return data;
    // latent_parameters = mean ‖ logvar along channels: the mean is the first half
    const c = out.dims[1] / 2;
    return data.slice(0, c * out.dims[2] * out.dims[3]);
  }

  async unet(call: UnetCall, options?: CallOptions): Promise<UnetResult> {
    this.use('unet', options);
    const model = this.sessions.unet;
    const entry = this.manifest.models.unet;
    const b = call.batch;
    const c = this.constants.sd.latentChannels;
    const ctx = this.constants.tokenizer.contextLength;
    const d = this.constants.sd.textHiddenSize;
    const hw = call.sample.length / (b * c);
    check(Number.isInteger(hw) && hw > 0, `unet: sample has ${call.sample.length} values, not a multiple of batch ${b} × ${c} channels`);
    const side = Math.round(Math.sqrt(hw));
    check(side * side === hw, `unet: sample is not square (${hw} values per channel)`);
    check(call.encoderHiddenStates.length === b * ctx * d, `unet: encoderHiddenStates has ${call.encoderHiddenStates.length} values, expected ${b} × ${ctx} × ${d}`);
    const readouts = (call.attention?.layers ?? []).map((layer) => {
      const r = entry.attention.find((a) => a.layer === layer);
      const available = entry.attention.map((a) => a.layer).join(', ');
      check(!!r, `unet: the pack has no cross-attention readout for layer '${layer}' (available: ${available || 'none'})`);
      const name = call.attention?.kind === 'logits' ? r?.logits : r?.probs;
      check(!!name, `unet: layer '${layer}' has no ${call.attention?.kind} readout in this pack (prepare it with that kind)`);
      return { entry: r as NonNullable<typeof r>, name: name as string };
    });
    const sampleSpec = model.spec('inputs', 'sample');
    const tsSpec = model.spec('inputs', 'timestep');
    const ehsSpec = model.spec('inputs', 'encoder_hidden_states');
    const sample = tensorOf(sampleSpec.dtype, [b, c, side, side], call.sample);
    const ehs = tensorOf(ehsSpec.dtype, [b, ctx, d], call.encoderHiddenStates);
    const fetch = ['out_sample', ...readouts.map((r) => r.name)];
    const fixed = model.fixedBatch('sample');
    const fits = this.fit('unet', side, b, fixed ?? 1);
    const out = await runInChunks(b, fixed, (start, count, size) => {
      const tsDims = tsSpec.shape.length === 0 ? [] : [typeof tsSpec.shape[0] === 'number' ? tsSpec.shape[0] : size];
      const ts = fromNumbers(tsSpec.dtype, tsDims, new Array<number>(tsDims[0] ?? 1).fill(call.timestep));
      return model.run(
        { sample: batchSlice(sample, b, start, count, size), timestep: ts, encoder_hidden_states: batchSlice(ehs, b, start, count, size) },
        fetch,
        options?.signal,
      );
    }, fits);
    const attention: UnetAttentionReadout[] = readouts.map((r) => ({
      layer: r.entry.layer,
      level: r.entry.level,
      kind: call.attention?.kind ?? 'probs',
      layout: r.entry.layout,
      heads: r.entry.heads,
      dims: out[r.name].dims,
      data: toFloat32(out[r.name]),
    }));
    return { noise: toFloat32(out.out_sample), attention };
  }

  async encodeClipImage(pixels: Float32Array, batch: number, size: ClipImageSize, options?: CallOptions): Promise<Float32Array> {
    this.use('clipImage', options);
    const clip = this.constants.clip;
    const [w, h] = typeof size === 'number' ? [size, size] : [size.width, size.height];
    check(Number.isInteger(w) && Number.isInteger(h) && w >= clip.patchSize && h >= clip.patchSize, `clipImage: size must be integers ≥ the patch (${clip.patchSize}), got ${w}×${h}`);
    check(clip.dynamicImageSize || (w === clip.imageSize && h === clip.imageSize), `clipImage: the pack's CLIP vision model takes ${clip.imageSize}×${clip.imageSize} images only, got ${w}×${h}`);
    check(pixels.length === batch * 3 * h * w, `clipImage: pixels has ${pixels.length} values, expected ${batch} × 3 × ${h} × ${w}`);
    const model = this.sessions.clipVision;
    const all = tensorOf(model.spec('inputs', 'pixel_values').dtype, [batch, 3, h, w], pixels);
    const out = await runInChunks(batch, model.fixedBatch('pixel_values'), (start, count, sz) =>
      model.run({ pixel_values: batchSlice(all, batch, start, count, sz) }, ['image_embeds'], options?.signal),
    );
    return toFloat32(out.image_embeds);
  }

  /**
   * Soft branch (method.md §3). With a region-token encoder (prepare makes one): one call, the CLS token replaced by
   * N region tokens; bias row i (region i) lets it see itself and the patches inside region i, patch rows see every
   * patch but no region token — the reference's mask. Otherwise (older packs): the image once per region in a batch,
   * the CLS token as the region token; patches never see it, so both give the same embeddings.
   */
  async encodeClipRegions(pixels: Float32Array, regionMasks: Uint8Array, regions: number, options?: ClipRegionOptions): Promise<Float32Array> {
    this.use('clipRegions', options);
    const entry = this.manifest.models.clipVisionMasked;
    const clip = this.constants.clip;
    const w = options?.width ?? clip.imageSize;
    const h = options?.height ?? clip.imageSize;
    check(Number.isInteger(w) && Number.isInteger(h) && w >= clip.patchSize && h >= clip.patchSize, `clipRegions: size must be integers ≥ the patch (${clip.patchSize}), got ${w}×${h}`);
    check(clip.dynamicImageSize || (w === clip.imageSize && h === clip.imageSize), `clipRegions: the pack's masked CLIP model takes ${clip.imageSize}×${clip.imageSize} images only, got ${w}×${h}`);
    const p = Math.floor(h / clip.patchSize) * Math.floor(w / clip.patchSize);
    check(pixels.length === 3 * h * w, `clipRegions: pixels has ${pixels.length} values, expected 1 × 3 × ${h} × ${w}`);
    check(Number.isInteger(regions) && regions >= 1, `clipRegions: regions must be a positive integer, got ${regions}`);
    check(regionMasks.length === regions * p, `clipRegions: regionMasks has ${regionMasks.length} values, expected ${regions} × ${p} patches`);
    const layers = entry.regionOutputs ?? ['image_embeds'];
    const layer = options?.layer ?? -1;
    check(Number.isInteger(layer) && layer !== 0 && Math.abs(layer) <= layers.length, `clipRegions: layer must be a non-zero integer in [−${layers.length}, ${layers.length}], got ${layer}`);
    const output = layers[layer > 0 ? layer - 1 : layers.length + layer];
    const blocked = entry.blockedBias;
    const model = this.sessions.clipVisionMasked;
    const px = model.spec('inputs', 'pixel_values');
    const one = tensorOf(px.dtype, [1, 3, h, w], pixels);
    const biasDtype = model.spec('inputs', entry.biasInput).dtype;
    const what = `a ${w}×${h} image with ${regions} region${regions === 1 ? '' : 's'}`;
    if (entry.regionOutputs) {
      const t = regions + p;
      this.fitClipRegions(t, 1, `${what} (one sequence of ${t} tokens)`);
      const bias = new Float32Array(t * t);
      for (let r = 0; r < regions; r++) {
        for (let c = 0; c < regions; c++) if (c !== r) bias[r * t + c] = blocked;
        for (let j = 0; j < p; j++) if (!regionMasks[r * p + j]) bias[r * t + regions + j] = blocked;
      }
      for (let i = regions; i < t; i++) for (let c = 0; c < regions; c++) bias[i * t + c] = blocked;
      const out = await model.run({ pixel_values: one, [entry.biasInput]: tensorOf(biasDtype, [1, 1, t, t], bias) }, [output], options?.signal);
      return toFloat32(out[output]);
    }
    const t = p + 1;
    // one batch item (sequence of 1 + P tokens) per region: as many per call as fit
    const fit = this.fitClipRegions(t, regions, `${what} (a sequence of ${t} tokens per region)`);
    const bias = new Float32Array(regions * t * t);
    for (let r = 0; r < regions; r++) {
      const base = r * t * t;
      for (let j = 0; j < p; j++) if (!regionMasks[r * p + j]) bias[base + 1 + j] = blocked;
      for (let i = 1; i < t; i++) bias[base + i * t] = blocked;
    }
    const biasT = tensorOf(biasDtype, [regions, 1, t, t], bias);
    const out = await runInChunks(regions, model.fixedBatch('pixel_values'), (start, count, size) => {
      const rep = new (one.data.constructor as new (n: number) => Float32Array)(one.data.length * size);
      for (let i = 0; i < size; i++) rep.set(one.data as Float32Array, i * one.data.length);
      return model.run(
        { pixel_values: { dtype: one.dtype, dims: [size, 3, h, w], data: rep }, [entry.biasInput]: batchSlice(biasT, regions, start, count, size) },
        [output],
        options?.signal,
      );
    }, fit);
    return toFloat32(out[output]);
  }

  async encodeSamImage(pixels: Float32Array, options?: CallOptions): Promise<SamImageEmbedding> {
    this.use('samEncoder', options);
    const s = this.constants.sam.inputSize;
    check(pixels.length === 3 * s * s, `samEncoder: pixels has ${pixels.length} values, expected 1 × 3 × ${s} × ${s}`);
    const model = this.sessions.samEncoder;
    const hasPositional = this.manifest.models.samEncoder.outputs.some((o) => o.name === 'image_positional_embeddings');
    const fetch = hasPositional ? ['image_embeddings', 'image_positional_embeddings'] : ['image_embeddings'];
    const out = await model.run({ pixel_values: tensorOf(model.spec('inputs', 'pixel_values').dtype, [1, 3, s, s], pixels) }, fetch, options?.signal);
    return new PackSamEmbedding(this, out.image_embeddings, out.image_positional_embeddings);
  }

  async decodeSamPoints(embedding: SamImageEmbedding, points: Float32Array, count: number, options?: SamDecodeOptions): Promise<SamDecodeResult> {
    this.use('samDecoder', options);
    check(embedding instanceof PackSamEmbedding && embedding.owner === this, 'samDecoder: the embedding was not made by this model pack (encodeSamImage)');
    check(Number.isInteger(count) && count >= 1, `samDecoder: count must be a positive integer, got ${count}`);
    check(points.length === count * 2, `samDecoder: points has ${points.length} values, expected ${count} × 2`);
    const emb = embedding as PackSamEmbedding;
    const model = this.sessions.samDecoder;
    const l = this.constants.sam.lowResSize;
    if (this.manifest.models.samDecoder.variant === 'hf-split') {
      check(!!emb.positional, 'samDecoder: the split decoder needs image_positional_embeddings, which the pack encoder does not output');
      const pts = tensorOf(model.spec('inputs', 'input_points').dtype, [1, count, 1, 2], points);
      const labels = fromNumbers(model.spec('inputs', 'input_labels').dtype, [1, count, 1], new Array<number>(count).fill(1));
      const fixedP = model.spec('inputs', 'input_points').shape[1];
      // the point batch is dim 1: view [1, P, …] as [P, …] for chunking, back to [1, size, …] per call
      const asRows = (t: HostTensor): HostTensor => ({ ...t, dims: t.dims.slice(1) });
      const asBatch = (t: HostTensor): HostTensor => ({ ...t, dims: [1, ...t.dims] });
      // the caller's buffer (post-processing's memory): onnxruntime writes each chunk's masks straight into it
      const into = lowResInto(options, count * 3 * l * l, model.spec('outputs', 'pred_masks').dtype);
      const out = await runInChunks(count, typeof fixedP === 'number' ? fixedP : undefined, async (start, n, size): Promise<Record<string, HostTensor>> => {
        const target = into?.subarray(start * 3 * l * l, (start + n) * 3 * l * l);
        const r = await model.run(
          {
            image_embeddings: emb.embeddings,
            image_positional_embeddings: emb.positional as HostTensor,
            input_points: asBatch(batchSlice(asRows(pts), count, start, n, size)),
            input_labels: asBatch(batchSlice(asRows(labels), count, start, n, size)),
          },
          ['iou_scores', 'pred_masks'],
          options?.signal,
          target && n === size ? { pred_masks: { dtype: 'float32', dims: [1, n, 3, l, l], data: target } } : undefined,
        );
        if (!target) return { iou_scores: asRows(r.iou_scores), pred_masks: asRows(r.pred_masks) };
        // a padded last chunk (a graph with a fixed point batch) came back whole: its first n items
        if (r.pred_masks.data !== target) target.set(toFloat32(r.pred_masks).subarray(0, target.length));
        return { iou_scores: asRows(r.iou_scores) };
      });
      return { iouScores: toFloat32(out.iou_scores), lowResLogits: into ?? toFloat32(out.pred_masks), points: count };
    }
    // Meta's decoder: one prompt per call (the point plus a padding point labelled −1), 4 masks of which
    // channels 1..3 are the multimask outputs.
    const iouScores = new Float32Array(count * 3);
    const lowResLogits = lowResInto(options, count * 3 * l * l, 'float32') ?? new Float32Array(count * 3 * l * l);
    const spec = (n: string) => model.spec('inputs', n).dtype;
    const maskInput = fromNumbers(spec('mask_input'), [1, 1, l, l], new Float32Array(l * l));
    const hasMask = fromNumbers(spec('has_mask_input'), [1], [0]);
    const s = this.constants.sam.inputSize;
    const origSize = fromNumbers(spec('orig_im_size'), [2], [s, s]);
    for (let i = 0; i < count; i++) {
      const r = await model.run(
        {
          image_embeddings: emb.embeddings,
          point_coords: fromNumbers(spec('point_coords'), [1, 2, 2], [points[2 * i], points[2 * i + 1], 0, 0]),
          point_labels: fromNumbers(spec('point_labels'), [1, 2], [1, -1]),
          mask_input: maskInput,
          has_mask_input: hasMask,
          orig_im_size: origSize,
        },
        ['iou_predictions', 'low_res_masks'],
        options?.signal,
      );
      const iou = toFloat32(r.iou_predictions);
      const masks = toFloat32(r.low_res_masks);
      if (iou.length !== 4 || masks.length !== 4 * l * l) {
        throw new ModelRuntimeError('OUTPUT_MISMATCH', `samDecoder: Meta's decoder returned ${iou.length} masks of ${masks.length / Math.max(1, iou.length)} values; expected 4 of ${l}×${l}`);
      }
      iouScores.set(iou.subarray(1, 4), i * 3);
      lowResLogits.set(masks.subarray(l * l, 4 * l * l), i * 3 * l * l);
    }
    return { iouScores, lowResLogits, points: count };
  }

  callCounts(): Readonly<Record<string, number>> {
    return { ...this.counts };
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await Promise.all(Object.values(this.sessions).map((s) => s.dispose()));
  }
}

/** The caller's buffer for the decoder's mask logits when it fits (`values` float32; the graph's output is float32). */
function lowResInto(options: SamDecodeOptions | undefined, values: number, dtype: string): Float32Array | null {
  const into = options?.lowResLogitsInto;
  return into instanceof Float32Array && into.length === values && dtype === 'float32' ? into : null;
}
