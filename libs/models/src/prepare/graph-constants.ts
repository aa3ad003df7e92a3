/**
 * The constants a pack's graphs can tell, read from the graphs themselves (statically where the exporter wrote
 * the dims, else by running the model once on a tiny input): VAE downsampling and latent channels, text hidden
 * sizes, the UNet's cross-attention width, the CLIP projection width, SAM's embedding and low-res mask sizes, the
 * text models' vocabulary and position-table sizes. Models that must agree are checked against each other, and a
 * disagreement is refused naming both files. `prepare` builds the manifest from this; `inspect` re-derives it
 * and compares.
 */
import { ModelPackError } from '../errors';
import type { OnnxTypes } from '../onnx/onnx-proto';
import { graphInputs, graphOutputs } from '../onnx/graph-analysis';
import type { GraphSummary } from '../onnx/wire';
import type { HostTensor, ModelRuntime, ModelSession, TensorSpec } from '../runtime/runtime.types';
import { fromNumbers, toFloat32, zeros } from '../runtime/tensors';

export type GraphRole = 'sdTextEncoder' | 'vaeEncoder' | 'unet' | 'clipText' | 'clipVision' | 'samEncoder' | 'samDecoder';

export interface GraphFile {
  /** where to load it from */
  readonly path: string;
  /** how to name it in messages (the user's download path at prepare, the pack path at inspect) */
  readonly label: string;
  readonly summary: GraphSummary;
}

export interface GraphConstantsInput {
  readonly graphs: Readonly<Record<GraphRole, GraphFile>>;
  readonly tokenizer: { readonly label: string; readonly json: string; readonly startId: number; readonly endId: number; readonly padId: number };
  readonly contextLength: number;
  /** side the CLIP vision model runs at (already probed) */
  readonly clipImageSize: number;
  readonly vaeVariant: 'latent_sample' | 'latent_parameters';
  readonly samVariant: 'hf-split' | 'meta-single';
  readonly runtime: ModelRuntime;
}

export interface GraphConstants {
  readonly sd: {
    readonly vaeDownsample: number;
    readonly latentChannels: number;
    readonly textHiddenSize: number;
    /** the width the UNet's cross-attention keys are computed from (encoder_hidden_states' last dim) */
    readonly crossAttentionWidth: number | undefined;
    /** two VAE runs on the same input gave the same latent */
    readonly vaeDeterministic: boolean;
  };
  readonly clip: { readonly embedDim: number };
  readonly sam: { readonly inputSize: number | undefined; readonly lowResSize: number; readonly embedding: readonly number[] | undefined };
  readonly tokens: {
    /** largest id the tokenizer can emit */
    readonly tokenizerMaxId: number;
    readonly vocab: Readonly<Partial<Record<'sdTextEncoder' | 'clipText', number>>>;
    readonly positions: Readonly<Partial<Record<'sdTextEncoder' | 'clipText', number>>>;
  };
}

const numAt = (spec: TensorSpec | undefined, i: number): number | undefined => {
  const d = spec?.shape[i < 0 && spec ? spec.shape.length + i : i];
  return typeof d === 'number' ? d : undefined;
};

function mismatch(message: string): ModelPackError {
  return new ModelPackError('CONTRACT_MISMATCH', message);
}

/** dims of an initializer or of a Constant node's tensor, by tensor name */
function constantDims(g: GraphSummary): Map<string, readonly number[]> {
  const out = new Map<string, readonly number[]>(g.initializerDims);
  for (const n of g.nodes) {
    if (n.opType !== 'Constant') continue;
    const t = n.attribute.find((a) => a.name === 'value')?.t;
    if (t && n.output[0]) out.set(n.output[0], (t.dims ?? []).map(Number));
  }
  return out;
}

/**
 * The text model's embedding tables: the token table is a rank-2 constant gathered with indices that carry the
 * values of `input_ids`; the position table one gathered with indices that do not (position ids, sliced to the
 * sequence length — which depends on input_ids only through Shape).
 */
export function textEmbeddingTables(g: GraphSummary, idsInput = 'input_ids'): { vocab?: number; positions?: number; hidden?: number } {
  const producer = new Map<string, OnnxTypes.NodeProto>();
  for (const n of g.nodes) for (const o of n.output) producer.set(o, n);
  const dims = constantDims(g);
  const memo = new Map<string, boolean>();
  const carriesIds = (tensor: string): boolean => {
    if (tensor === idsInput) return true;
    const known = memo.get(tensor);
    if (known !== undefined) return known;
    memo.set(tensor, false);
    const n = producer.get(tensor);
    const r = !!n && n.opType !== 'Shape' && n.opType !== 'Size' && n.input.some((i) => i && carriesIds(i));
    memo.set(tensor, r);
    return r;
  };
  let vocab: number | undefined;
  let positions: number | undefined;
  let hidden: number | undefined;
  for (const n of g.nodes) {
    if (n.opType !== 'Gather') continue;
    const axis = Number(n.attribute.find((a) => a.name === 'axis')?.i ?? 0);
    const table = dims.get(n.input[0]);
    if (axis !== 0 || !table || table.length !== 2) continue;
    if (carriesIds(n.input[1])) {
      vocab ??= table[0];
      hidden ??= table[1];
    } else if (hidden === undefined || table[1] === hidden) positions ??= table[0];
  }
  return { vocab, positions, hidden };
}

/** Largest id in a Hugging Face tokenizer.json (model vocabulary and added tokens). */
export function tokenizerMaxId(json: string): number {
  const parsed = JSON.parse(json) as { added_tokens?: { id: number }[]; model?: { vocab?: Record<string, number> | [string, number][] } };
  let max = -1;
  for (const t of parsed.added_tokens ?? []) max = Math.max(max, t.id);
  const v = parsed.model?.vocab;
  if (Array.isArray(v)) max = Math.max(max, v.length - 1);
  else if (v) for (const id of Object.values(v)) max = Math.max(max, id);
  return max;
}

/** The UNet's cross-attention width: encoder_hidden_states' last dim, else the key projection weights it feeds. */
export function unetCrossAttentionWidth(g: GraphSummary, label: string): number | undefined {
  const ehs = graphInputs(g, label).find((i) => i.name === 'encoder_hidden_states');
  const fixed = numAt(ehs, -1);
  if (fixed !== undefined) return fixed;
  const dims = constantDims(g);
  for (const n of g.nodes) {
    if (n.opType === 'MatMul' && n.input[0] === 'encoder_hidden_states') {
      const w = dims.get(n.input[1]);
      if (w?.length === 2) return w[0];
    }
    if (n.opType === 'Gemm' && n.input[0] === 'encoder_hidden_states') {
      const w = dims.get(n.input[1]);
      const transB = Number(n.attribute.find((a) => a.name === 'transB')?.i ?? 0);
      if (w?.length === 2) return transB ? w[1] : w[0];
    }
  }
  return undefined;
}

async function withSession<T>(runtime: ModelRuntime, file: GraphFile, label: string, fn: (s: ModelSession) => Promise<T>): Promise<T> {
  const s = await runtime.load(file.path, label);
  try {
    return await fn(s);
  } catch (err) {
    if (err instanceof ModelPackError) throw err;
    throw new ModelPackError('EXPORT_UNSUPPORTED', `${file.label}: running it once on a tiny input failed: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  } finally {
    await s.dispose();
  }
}

function idsFeeds(s: ModelSession, ids: readonly number[]): Record<string, HostTensor> {
  const spec = s.inputs.find((i) => i.name === 'input_ids');
  if (!spec) throw new ModelPackError('EXPORT_UNSUPPORTED', `${s.path}: no input_ids input (inputs: ${s.inputs.map((i) => i.name).join(', ')})`);
  const feeds: Record<string, HostTensor> = { input_ids: fromNumbers(spec.dtype, [1, ids.length], ids) };
  const mask = s.inputs.find((i) => i.name === 'attention_mask');
  if (mask) feeds.attention_mask = fromNumbers(mask.dtype, [1, ids.length], new Array<number>(ids.length).fill(1));
  return feeds;
}

/** VAE run at `side`: output dims, and whether a second run gives the same values. */
async function probeVae(s: ModelSession, variant: string, side: number): Promise<{ dims: readonly number[]; deterministic: boolean }> {
  const px = s.inputs.find((i) => i.name === 'sample');
  if (!px) throw new ModelPackError('EXPORT_UNSUPPORTED', `${s.path}: no sample input`);
  const input = zeros(px.dtype, [numAt(px, 0) ?? 1, 3, side, side]);
  const a = (await s.run({ sample: input }, [variant]))[variant];
  const b = (await s.run({ sample: input }, [variant]))[variant];
  const fa = toFloat32(a);
  const fb = toFloat32(b);
  let same = fa.length === fb.length;
  for (let i = 0; same && i < fa.length; i++) same = Object.is(fa[i], fb[i]);
  return { dims: a.dims, deterministic: same };
}

export async function deriveGraphConstants(input: GraphConstantsInput): Promise<GraphConstants> {
  const { graphs: gr, runtime, tokenizer } = input;
  const ctx = input.contextLength;

  // --- tokens: vocabularies and position tables, against the tokenizer and the context length
  const maxId = Math.max(tokenizerMaxId(tokenizer.json), tokenizer.startId, tokenizer.endId, tokenizer.padId);
  const vocab: Partial<Record<'sdTextEncoder' | 'clipText', number>> = {};
  const positions: Partial<Record<'sdTextEncoder' | 'clipText', number>> = {};
  for (const role of ['sdTextEncoder', 'clipText'] as const) {
    const t = textEmbeddingTables(gr[role].summary);
    if (t.vocab !== undefined) vocab[role] = t.vocab;
    if (t.positions !== undefined) positions[role] = t.positions;
    if (t.vocab !== undefined && maxId >= t.vocab) {
      throw mismatch(
        `${tokenizer.label} emits token ids up to ${maxId}, but ${gr[role].label} has a vocabulary of ${t.vocab} ids: ` +
          'the tokenizer and the text model come from different models',
      );
    }
    if (t.positions !== undefined && ctx > t.positions) {
      throw mismatch(`the context length ${ctx} exceeds ${gr[role].label}'s position table (${t.positions} positions); give a context length ≤ ${t.positions}`);
    }
  }

  // --- text encoders, run once on [start, end, pad…]: hidden width, projection width
  const ids = [tokenizer.startId, tokenizer.endId, ...new Array<number>(Math.max(0, ctx - 2)).fill(tokenizer.padId)].slice(0, ctx);
  const sdHidden = await withSession(runtime, gr.sdTextEncoder, 'sd text encoder (probe)', async (s) => {
    const out = (await s.run(idsFeeds(s, ids), ['last_hidden_state'])).last_hidden_state;
    return out.dims[out.dims.length - 1];
  });
  const clipTextEmbed = await withSession(runtime, gr.clipText, 'clip text (probe)', async (s) => {
    const out = (await s.run(idsFeeds(s, ids), ['text_embeds'])).text_embeds;
    return out.dims[out.dims.length - 1];
  });
  const visionEmbedStatic = numAt(graphOutputs(gr.clipVision.summary, gr.clipVision.label).find((o) => o.name === 'image_embeds'), -1);
  const clipVisionEmbed =
    visionEmbedStatic ??
    (await withSession(runtime, gr.clipVision, 'clip vision (probe)', async (s) => {
      const px = s.inputs.find((i) => i.name === 'pixel_values') as TensorSpec;
      const out = (await s.run({ pixel_values: zeros(px.dtype, [numAt(px, 0) ?? 1, 3, input.clipImageSize, input.clipImageSize]) }, ['image_embeds'])).image_embeds;
      return out.dims[out.dims.length - 1];
    }));
  if (clipTextEmbed !== clipVisionEmbed) {
    throw mismatch(`${gr.clipText.label} projects text to ${clipTextEmbed} dims but ${gr.clipVision.label} projects images to ${clipVisionEmbed}: they are not one CLIP model`);
  }

  // --- UNet against the SD text encoder and the VAE
  const crossWidth = unetCrossAttentionWidth(gr.unet.summary, gr.unet.label);
  if (crossWidth !== undefined && crossWidth !== sdHidden) {
    throw mismatch(
      `${gr.unet.label} cross-attends to text states of width ${crossWidth}, but ${gr.sdTextEncoder.label} returns hidden states of width ${sdHidden}: they are not one Stable Diffusion model`,
    );
  }
  const unetSample = graphInputs(gr.unet.summary, gr.unet.label).find((i) => i.name === 'sample');

  // --- VAE: downsampling and channels from one run (twice: sampling exports differ between runs)
  const vaeIn = graphInputs(gr.vaeEncoder.summary, gr.vaeEncoder.label).find((i) => i.name === 'sample');
  const probeSide = numAt(vaeIn, 2) ?? 64;
  const vae = await withSession(runtime, gr.vaeEncoder, 'vae encoder (probe)', (s) => probeVae(s, input.vaeVariant, probeSide));
  const outSide = vae.dims[vae.dims.length - 1];
  const vaeDownsample = probeSide / outSide;
  if (vae.dims.length !== 4 || !Number.isInteger(vaeDownsample) || vaeDownsample < 1) {
    throw new ModelPackError('EXPORT_UNSUPPORTED', `${gr.vaeEncoder.label}: a ${probeSide}² image gave ${input.vaeVariant} dims [${vae.dims.join(', ')}]; expected [B, C, ${probeSide}/k, ${probeSide}/k]`);
  }
  const latentChannels = input.vaeVariant === 'latent_parameters' ? vae.dims[1] / 2 : vae.dims[1];
  const unetChannels = numAt(unetSample, 1);
  if (unetChannels !== undefined && unetChannels !== latentChannels) {
    throw mismatch(`${gr.vaeEncoder.label} makes latents of ${latentChannels} channels, but ${gr.unet.label} takes samples of ${unetChannels}: they are not one Stable Diffusion model`);
  }

  // --- SAM: embedding shape (encoder outputs against decoder inputs) and low-res mask size
  const samEncOut = graphOutputs(gr.samEncoder.summary, gr.samEncoder.label).find((o) => o.name === 'image_embeddings');
  const samDecIn = graphInputs(gr.samDecoder.summary, gr.samDecoder.label).find((i) => i.name === 'image_embeddings');
  const encDims = samEncOut?.shape.slice(1) ?? [];
  const decDims = samDecIn?.shape.slice(1) ?? [];
  for (let i = 0; i < Math.min(encDims.length, decDims.length); i++) {
    if (typeof encDims[i] === 'number' && typeof decDims[i] === 'number' && encDims[i] !== decDims[i]) {
      throw mismatch(
        `${gr.samEncoder.label} makes image embeddings [${encDims.join(', ')}], but ${gr.samDecoder.label} takes [${decDims.join(', ')}]: they are not one SAM model`,
      );
    }
  }
  const embedding = encDims.map((d, i) => (typeof d === 'number' ? d : decDims[i]));
  const embeddingKnown = embedding.length === 3 && embedding.every((d) => typeof d === 'number') ? (embedding as number[]) : undefined;
  const masksName = input.samVariant === 'hf-split' ? 'pred_masks' : 'low_res_masks';
  const masks = graphOutputs(gr.samDecoder.summary, gr.samDecoder.label).find((o) => o.name === masksName);
  const maskInput = graphInputs(gr.samDecoder.summary, gr.samDecoder.label).find((i) => i.name === 'mask_input');
  let lowResSize = numAt(masks, -1) ?? numAt(maskInput, -1);
  if (lowResSize === undefined && embeddingKnown && input.samVariant === 'hf-split') {
    lowResSize = await withSession(runtime, gr.samDecoder, 'sam decoder (probe)', async (s) => {
      const spec = (n: string) => s.inputs.find((i) => i.name === n) as TensorSpec;
      const out = await s.run(
        {
          image_embeddings: zeros(spec('image_embeddings').dtype, [1, ...embeddingKnown]),
          image_positional_embeddings: zeros(spec('image_positional_embeddings').dtype, [1, ...embeddingKnown]),
          input_points: zeros(spec('input_points').dtype, [1, 1, 1, 2]),
          input_labels: fromNumbers(spec('input_labels').dtype, [1, 1, 1], [1]),
        },
        ['pred_masks'],
      );
      return out.pred_masks.dims[out.pred_masks.dims.length - 1];
    });
  }
  if (lowResSize === undefined) {
    throw new ModelPackError('EXPORT_UNSUPPORTED', `${gr.samDecoder.label}: the low-res mask size is not in the graph and could not be probed`);
  }
  const samPx = graphInputs(gr.samEncoder.summary, gr.samEncoder.label).find((i) => i.name === 'pixel_values');

  return {
    sd: { vaeDownsample, latentChannels, textHiddenSize: sdHidden, crossAttentionWidth: crossWidth, vaeDeterministic: vae.deterministic },
    clip: { embedDim: clipTextEmbed },
    sam: { inputSize: numAt(samPx, 2), lowResSize, embedding: embeddingKnown },
    tokens: { tokenizerMaxId: maxId, vocab, positions },
  };
}
