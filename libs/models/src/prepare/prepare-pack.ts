/**
 * `preparePack`: turns the public downloads (SD 1.5 diffusers/optimum ONNX, Xenova CLIP ViT-B/16, Xenova or
 * Meta SAM) into a model pack. The UNet graph gets its cross-attention exposed as outputs (weights untouched,
 * copied or linked beside the new graph); the CLIP vision graph gets an attention-bias input (masked branch);
 * everything else is copied or linked; the manifest lists every file with sha256 and provenance.
 * The pack is built in a sibling temporary folder and renamed into place only when complete.
 */
import { copyFile, link as hardLink, mkdir, readFile, readdir, realpath, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { ModelPackError } from '../errors';
import { MANIFEST_FILE, MANIFEST_SCHEMA_VERSION, type Manifest, type ManifestConstants, type ManifestFileEntry } from '../manifest/manifest.schema';
import { serializeManifest, sha256Bytes, sha256File } from '../manifest/manifest-io';
import { fusedAttentionNodes, graphInputs, graphOutputs, softmaxSites, type SoftmaxSite } from '../onnx/graph-analysis';
import { node } from '../onnx/graph-builder';
import { onnx } from '../onnx/onnx-proto';
import { readGraphSummary, editModel, type GraphSummary } from '../onnx/wire';
import { createOnnxRuntime } from '../runtime/onnx-runtime';
import type { ModelRuntime, RuntimeLogger, TensorSpec } from '../runtime/runtime.types';
import { zeros } from '../runtime/tensors';
import { addClipAttentionBias, ATTENTION_BIAS_INPUT } from './clip-surgery';
import { locateExports } from './export-layout';
import { deriveGraphConstants, textEmbeddingTables, type GraphConstants } from './graph-constants';
import { attentionPeakOf, exposeSoftmaxOutputs, runSoftmaxProbe } from './memory-probe';
import { exposeVaeMean } from './vae-surgery';
import { probeClipVision, probeUnet, type ProbedReadout } from './probes';
import { exposeUnetAttention, readoutName, type AttentionKind } from './unet-surgery';
import { regionTokenEncoder } from './clip-readout-surgery';
import { anySizeVision, positionAddOutput } from './clip-position-surgery';
import { verifyClipVision } from './verify-masked-clip';

type DeepPartial<T> = { [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };

export interface PreparePackOptions {
  readonly sd: string;
  readonly clip: string;
  readonly sam: string;
  readonly out: string;
  readonly name: string;
  /** which cross-attention layers to expose (default all) and which kinds (default logits and probs) */
  readonly attention?: { readonly layers?: readonly string[] | 'level4' | 'all'; readonly kinds?: readonly AttentionKind[] };
  /** constants the graphs cannot tell; defaults are SD 1.5 / CLIP ViT-B/16 / SAM (method.md §5–6) */
  readonly constants?: DeepPartial<ManifestConstants> & {
    readonly tokenizer?: Partial<{ contextLength: number; startId: number; endId: number; padId: number }>;
  };
  /**
   * copy files into the pack (default), or link them so large weights stay where they are: 'hardlink' (same
   * filesystem), or 'symlink' — external data files are hard-linked even then, because onnxruntime refuses
   * external data whose real path leaves the model's folder.
   */
  readonly link?: 'copy' | 'symlink' | 'hardlink';
  /** labels recorded as provenance, e.g. { sd: 'onnx-community/stable-diffusion-v1-5-ONNX' } */
  readonly sources?: Partial<Record<'sd' | 'clip' | 'sam', string>>;
  readonly logger?: RuntimeLogger;
  /** runtime for the probes (default: onnxruntime-node on CPU) */
  readonly runtime?: ModelRuntime;
}

/**
 * Changes whenever preparePack writes different graphs or manifest fields for the same exports, so caches of
 * generated packs (the CLI's fixture pack) are rebuilt.
 */
export const PREPARE_REVISION = 'clip-any-size+region-tokens+attention-heads.1';

export const DEFAULT_CONSTANTS: ManifestConstants = {
  sd: { imageSize: 512, vaeDownsample: 8, latentChannels: 4, latentScale: 0.18215, betaStart: 0.00085, betaEnd: 0.012, trainTimesteps: 1000, textHiddenSize: 768 },
  clip: { imageSize: 224, patchSize: 16, mean: [0.48145466, 0.4578275, 0.40821073], std: [0.26862954, 0.26130258, 0.27577711], embedDim: 512, dynamicImageSize: false },
  sam: {
    inputSize: 1024,
    lowResSize: 256,
    mean: [123.675, 116.28, 103.53],
    std: [58.395, 57.12, 57.375],
    predIouThresh: 0.88,
    stabilityScoreThresh: 0.95,
    stabilityScoreOffset: 1.0,
    boxNmsThresh: 0.7,
    maskThreshold: 0.0,
    pointsPerSide: 32,
    pointsPerBatch: 64,
  },
};

type Origin = 'sd' | 'clip' | 'sam';

interface Recorded {
  readonly path: string;
  readonly origin: Origin;
  readonly sourceRoot: string;
  readonly sourcePath: string;
  readonly transform: ManifestFileEntry['transform'];
}

function num(spec: TensorSpec | undefined, i: number): number | undefined {
  const d = spec?.shape[i];
  return typeof d === 'number' ? d : undefined;
}

async function ensureEmptyTarget(out: string): Promise<void> {
  try {
    const entries = await readdir(out);
    if (entries.length > 0) {
      throw new ModelPackError('OUTPUT_EXISTS', `${out} exists and is not empty; choose a new folder for the pack (or remove it)`);
    }
  } catch (err) {
    if (err instanceof ModelPackError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function tokenizerIds(json: string, where: string): { startId: number; endId: number } {
  let parsed: { added_tokens?: { id: number; content: string }[]; model?: { vocab?: Record<string, number> } };
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new ModelPackError('EXPORT_UNSUPPORTED', `${where}: not valid JSON (${(err as Error).message})`);
  }
  const find = (content: string) =>
    parsed.added_tokens?.find((t) => t.content === content)?.id ?? parsed.model?.vocab?.[content];
  const startId = find('<|startoftext|>');
  const endId = find('<|endoftext|>');
  if (startId === undefined || endId === undefined) {
    throw new ModelPackError('EXPORT_UNSUPPORTED', `${where}: no <|startoftext|> / <|endoftext|> tokens; expected a CLIP BPE tokenizer.json`);
  }
  return { startId, endId };
}

function fusedRefusal(file: string, g: GraphSummary, kind: 'UNet' | 'CLIP vision'): void {
  const fused = fusedAttentionNodes(g);
  if (fused.length === 0) return;
  const first = fused[0];
  throw new ModelPackError(
    'FUSED_ATTENTION',
    `${file}: the ${kind} uses fused attention (${fused.length} ${first.domain || 'ai.onnx'} ${first.opType} nodes, e.g. '${first.name}'), ` +
      'whose attention probabilities cannot be read out. Use an unfused export instead: for SD 1.5 the plain ' +
      'diffusers/optimum export (onnx-community/stable-diffusion-v1-5-ONNX, or `optimum-cli export onnx --model ' +
      'stable-diffusion-v1-5/stable-diffusion-v1-5 OUT` without an -O optimisation level), not an ORT/Olive-optimised ' +
      'or DirectML/CUDA-optimised pack; for CLIP the Xenova export (see docs/models.md).',
  );
}

export async function preparePack(options: PreparePackOptions): Promise<{ manifestPath: string; manifest: Manifest }> {
  const out = resolve(options.out);
  const imageSize = options.constants?.sd?.imageSize;
  if (imageSize !== undefined && !(Number.isInteger(imageSize) && imageSize >= 64 && imageSize % 64 === 0)) {
    throw new ModelPackError('EXPORT_UNSUPPORTED', `the SD image size must be a multiple of 64 (64, 128, … 512, 1024), got ${imageSize}`);
  }
  await ensureEmptyTarget(out);
  const files = await locateExports(options);
  const link = options.link ?? 'copy';
  const kinds: readonly AttentionKind[] = options.attention?.kinds?.length ? options.attention.kinds : ['logits', 'probs'];
  const runtime = options.runtime ?? createOnnxRuntime({ executionProvider: 'cpu', graphOptimization: 'basic', quiet: true, logger: options.logger });
  const tmp = join(dirname(out), `.${basename(out)}.preparing-${process.pid}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const recorded: Recorded[] = [];
  const roots: Record<Origin, string> = { sd: resolve(options.sd), clip: resolve(options.clip), sam: resolve(options.sam) };

  const place = async (origin: Origin, source: string, target: string, transform: 'copy' | 'symlink' | 'hardlink' = link): Promise<void> => {
    const abs = join(tmp, target);
    await mkdir(dirname(abs), { recursive: true });
    if (transform === 'symlink') await symlink(resolve(source), abs);
    else if (transform === 'hardlink') {
      // link the real file: a hard link to a symlink (a Hugging Face cache snapshot entry) would copy the link
      await hardLink(await realpath(source), abs).catch((err: NodeJS.ErrnoException) => {
        throw new ModelPackError(
          'EXPORT_UNSUPPORTED',
          `cannot hard-link ${source} into the pack (${err.code ?? err.message}): put the pack on the same filesystem as the download, or use --link copy`,
          { cause: err },
        );
      });
    } else await copyFile(source, abs);
    recorded.push({ path: target, origin, sourceRoot: roots[origin], sourcePath: resolve(source), transform });
  };
  const written = (origin: Origin, source: string, target: string, transform: ManifestFileEntry['transform']) =>
    recorded.push({ path: target, origin, sourceRoot: roots[origin], sourcePath: resolve(source), transform });
  /** External data files beside a graph keep their relative location. */
  const placeExternal = async (origin: Origin, graphSource: string, g: GraphSummary, packGraph: string): Promise<string[]> => {
    const placed: string[] = [];
    for (const loc of g.externalDataFiles) {
      const target = join(dirname(packGraph), loc).split('\\').join('/');
      if (target.startsWith('..') || loc.startsWith('/')) {
        throw new ModelPackError('EXPORT_UNSUPPORTED', `${graphSource}: external data location '${loc}' must be a relative path beside the graph`);
      }
      const existing = recorded.find((r) => r.path === target);
      if (existing && existing.sourcePath !== resolve(dirname(graphSource), loc)) {
        throw new ModelPackError('EXPORT_UNSUPPORTED', `${graphSource}: external data '${loc}' would collide with ${existing.sourcePath} in the pack`);
      }
      if (!existing) await place(origin, join(dirname(graphSource), loc), target, link === 'copy' ? 'copy' : 'hardlink');
      placed.push(target);
    }
    return placed;
  };

  try {
    // --- tokenizer
    const tokenizerJson = await readFile(files.tokenizer, 'utf8');
    const ids = tokenizerIds(tokenizerJson, files.tokenizer);
    const tok = {
      file: 'tokenizer.json',
      contextLength: options.constants?.tokenizer?.contextLength ?? 77,
      startId: options.constants?.tokenizer?.startId ?? ids.startId,
      endId: options.constants?.tokenizer?.endId ?? ids.endId,
      padId: options.constants?.tokenizer?.padId ?? ids.endId,
    };
    await place('clip', files.tokenizer, 'tokenizer.json', 'copy');

    // --- VAE: a sampling export (mean + std·RandomNormalLike) gets its mean wired to the output (vae-surgery.ts)
    const placeVae = async (target: string) => {
      const bytes = await readFile(files.vaeEncoder);
      const g = readGraphSummary(bytes, files.vaeEncoder);
      const fixed = exposeVaeMean(bytes, g, files.vaeEncoder);
      if (fixed.sites.length === 0) return plain('sd', files.vaeEncoder, target);
      await mkdir(dirname(join(tmp, target)), { recursive: true });
      await writeFile(join(tmp, target), fixed.bytes);
      written('sd', files.vaeEncoder, target, 'vae-posterior-mean');
      options.logger?.info({ file: files.vaeEncoder, sampling: fixed.sites.map((x) => x.randomNode) }, 'the VAE samples its latent: its posterior mean is wired to the output');
      const externalData = await placeExternal('sd', files.vaeEncoder, g, target);
      return { file: target, externalData, inputs: graphInputs(g, files.vaeEncoder), outputs: graphOutputs(g, files.vaeEncoder), summary: readGraphSummary(fixed.bytes, target) };
    };

    // --- plain models: copied or linked, contract read from the graph
    const plain = async (origin: Origin, source: string, target: string) => {
      const g = readGraphSummary(await readFile(source), source);
      await place(origin, source, target);
      const externalData = await placeExternal(origin, source, g, target);
      return { file: target, externalData, inputs: graphInputs(g, source), outputs: graphOutputs(g, source), summary: g };
    };
    const sdText = await plain('sd', files.sdTextEncoder, 'sd/text_encoder.onnx');
    const vae = await placeVae('sd/vae_encoder.onnx');
    const clipText = await plain('clip', files.clipText, 'clip/text_model.onnx');
    const samEncoder = await plain('sam', files.samEncoder, 'sam/vision_encoder.onnx');
    const samDecoderTarget = files.samDecoder.endsWith('prompt_encoder_mask_decoder.onnx') ? 'sam/prompt_encoder_mask_decoder.onnx' : 'sam/mask_decoder.onnx';
    const samDecoder = await plain('sam', files.samDecoder, samDecoderTarget);
    const vaeOut = vae.outputs.map((o) => o.name);
    const vaeVariant = vaeOut.includes('latent_parameters') ? 'latent_parameters' : vaeOut.includes('latent_sample') ? 'latent_sample' : null;
    if (!vaeVariant) {
      throw new ModelPackError('EXPORT_UNSUPPORTED', `${files.vaeEncoder}: expected an output latent_sample or latent_parameters; it has ${vaeOut.join(', ')}`);
    }
    const samInputs = samDecoder.inputs.map((i) => i.name);
    const samVariant = samInputs.includes('input_points') ? 'hf-split' : samInputs.includes('point_coords') ? 'meta-single' : null;
    if (!samVariant) {
      throw new ModelPackError('EXPORT_UNSUPPORTED', `${files.samDecoder}: expected input_points (Hugging Face split export) or point_coords (Meta export); it has ${samInputs.join(', ')}`);
    }
    // multimask output is what automatic mask generation decodes: 3 masks (HF) or 4 with the single mask first (Meta)
    const masksOut = samDecoder.outputs.find((o) => o.name === (samVariant === 'hf-split' ? 'pred_masks' : 'low_res_masks'));
    const maskCount = num(masksOut, samVariant === 'hf-split' ? 2 : 1);
    if (!masksOut || (maskCount !== undefined && maskCount !== (samVariant === 'hf-split' ? 3 : 4))) {
      throw new ModelPackError(
        'EXPORT_UNSUPPORTED',
        `${files.samDecoder}: ${masksOut ? `output ${masksOut.name} has ${maskCount} masks per prompt` : `no ${samVariant === 'hf-split' ? 'pred_masks' : 'low_res_masks'} output`}; ` +
          (samVariant === 'hf-split' ? 'expected 3 (multimask output)' : 'expected 4 (export Meta\'s decoder with return_single_mask=False)'),
      );
    }

    // --- what the graphs tell: sizes read or probed, cross-model agreement checked (graph-constants.ts)
    // the context length: a text model's fixed sequence dim, else the shorter position table, else SD's 77
    const fixedSeq = [sdText, clipText].map((m) => num(m.inputs.find((i) => i.name === 'input_ids'), 1)).filter((d): d is number => d !== undefined);
    const positionTables = [sdText.summary, clipText.summary].map((g) => textEmbeddingTables(g).positions).filter((p): p is number => p !== undefined);
    if (options.constants?.tokenizer?.contextLength === undefined) {
      if (fixedSeq.length > 0) tok.contextLength = Math.min(...fixedSeq);
      else if (positionTables.length > 0) tok.contextLength = Math.min(...positionTables);
    }
    const unetBytes = await readFile(files.unet);
    const unetG = readGraphSummary(unetBytes, files.unet);
    const clipVisionSummary = readGraphSummary(await readFile(files.clipVision), files.clipVision);
    const derived = await deriveGraphConstants({
      graphs: {
        sdTextEncoder: { path: files.sdTextEncoder, label: files.sdTextEncoder, summary: sdText.summary },
        vaeEncoder: { path: join(tmp, vae.file), label: files.vaeEncoder, summary: vae.summary },
        unet: { path: files.unet, label: files.unet, summary: unetG },
        clipText: { path: files.clipText, label: files.clipText, summary: clipText.summary },
        clipVision: { path: files.clipVision, label: files.clipVision, summary: clipVisionSummary },
        samEncoder: { path: files.samEncoder, label: files.samEncoder, summary: samEncoder.summary },
        samDecoder: { path: files.samDecoder, label: files.samDecoder, summary: samDecoder.summary },
      },
      tokenizer: { label: files.tokenizer, json: tokenizerJson, startId: tok.startId, endId: tok.endId, padId: tok.padId },
      contextLength: tok.contextLength,
      clipImageSize: options.constants?.clip?.imageSize ?? DEFAULT_CONSTANTS.clip.imageSize,
      vaeVariant,
      samVariant,
      runtime,
    });
    if (!derived.sd.vaeDeterministic) {
      throw new ModelPackError('EXPORT_UNSUPPORTED', `${files.vaeEncoder}: two runs on the same image gave different latents, and no sampling node was found to fix`);
    }
    const vaeAttentionPeak = await probeVaeAttention(runtime, join(tmp, vae.file), vae.summary, derived);

    // --- UNet: expose cross-attention
    fusedRefusal(files.unet, unetG, 'UNet');
    const sites = softmaxSites(unetG, 'attn2');
    if (sites.length === 0) {
      throw new ModelPackError(
        'EXPORT_UNSUPPORTED',
        `${files.unet}: no cross-attention Softmax nodes (names containing /attn2/) found; expected a plain diffusers/optimum UNet export (see docs/models.md)`,
      );
    }
    const unetTarget = 'sd/unet.onnx';
    const unetExternal = await placeExternal('sd', files.unet, unetG, unetTarget);
    const textHidden = derived.sd.crossAttentionWidth ?? derived.sd.textHiddenSize;
    const all = exposeUnetAttention(unetBytes, sites, ['probs'], files.unet);
    const probeNames = new Map(all.readouts.map((r) => [r.site.node, r.probs as string]));
    const softmax = exposeSoftmaxOutputs(unetG, probeNames);
    await writeFile(join(tmp, unetTarget), editModel(all.bytes, softmax.edit, files.unet));
    const probed = await probeUnet(runtime, join(tmp, unetTarget), sites, probeNames, textHidden, tok.contextLength, softmax.outputs);
    const chosen = selectLayers(probed.readouts, options.attention?.layers ?? 'all', files.unet);
    const exposed = exposeUnetAttention(unetBytes, chosen.map((r) => r.site), kinds, files.unet);
    await writeFile(join(tmp, unetTarget), exposed.bytes);
    written('sd', files.unet, unetTarget, 'unet-attention-outputs');
    const unetInputs = graphInputs(unetG, files.unet);
    const batchDim = unetInputs.find((i) => i.name === 'sample')?.shape[0] ?? 'batch';
    const attention = chosen.map((r, i) => ({
      layer: r.site.layer,
      node: r.site.node,
      level: r.level,
      heads: r.heads,
      layout: r.layout,
      ...(exposed.readouts[i].logits ? { logits: exposed.readouts[i].logits } : {}),
      ...(exposed.readouts[i].probs ? { probs: exposed.readouts[i].probs } : {}),
    }));
    const readoutSpecs: TensorSpec[] = chosen.flatMap((r) =>
      kinds.map((kind) => ({
        name: readoutName(r.site.layer, kind),
        dtype: r.dtype,
        shape:
          r.layout === 'bh-hw-t'
            ? [typeof batchDim === 'number' ? batchDim * r.heads : `${batchDim}*${r.heads}`, `hw_${r.site.layer}`, tok.contextLength]
            : [batchDim, r.heads, `hw_${r.site.layer}`, tok.contextLength],
      })),
    );

    // --- CLIP vision: position embedding interpolated to any size (plain and masked), the masked (soft) variant
    const visionBytes = await readFile(files.clipVision);
    const visionG = readGraphSummary(visionBytes, files.clipVision);
    fusedRefusal(files.clipVision, visionG, 'CLIP vision');
    const selfSites = softmaxSites(visionG, 'self_attn');
    if (selfSites.length === 0) {
      throw new ModelPackError('EXPORT_UNSUPPORTED', `${files.clipVision}: no self-attention Softmax nodes (names containing /self_attn/) found`);
    }
    const probePath = join(tmp, 'clip/.probe_vision.onnx');
    await mkdir(dirname(probePath), { recursive: true });
    await writeFile(
      probePath,
      editModel(visionBytes, { appendNodes: [node('Identity', [selfSites[0].logits], ['refdiff_probe_logits'])], appendOutputs: [onnx.ValueInfoProto.create({ name: 'refdiff_probe_logits' })] }, files.clipVision),
    );
    const clipProbe = await probeClipVision(runtime, probePath, 'refdiff_probe_logits', options.constants?.clip?.imageSize ?? DEFAULT_CONSTANTS.clip.imageSize);
    await rm(probePath);
    const dynamicVision = anySizeVision(visionBytes, visionG, files.clipVision, options.logger);
    const visionTarget = 'clip/vision_model.onnx';
    let vision: { file: string; externalData: string[]; inputs: TensorSpec[]; outputs: TensorSpec[] };
    if (dynamicVision) {
      const g = readGraphSummary(dynamicVision.bytes, files.clipVision);
      await mkdir(dirname(join(tmp, visionTarget)), { recursive: true });
      await writeFile(join(tmp, visionTarget), dynamicVision.bytes);
      written('clip', files.clipVision, visionTarget, 'clip-position-interpolation');
      const externalData = await placeExternal('clip', files.clipVision, visionG, visionTarget);
      vision = { file: visionTarget, externalData, inputs: graphInputs(g, files.clipVision), outputs: graphOutputs(g, files.clipVision) };
    } else {
      vision = await plain('clip', files.clipVision, visionTarget);
    }
    const visionBatch = vision.inputs.find((i) => i.name === 'pixel_values')?.shape[0] ?? 'batch';
    const maskedTarget = 'clip/vision_masked.onnx';
    const biased = addClipAttentionBias(dynamicVision?.bytes ?? visionBytes, selfSites, { ...clipProbe, tokens: dynamicVision ? 'tokens' : clipProbe.tokens, batchDim: visionBatch }, files.clipVision);
    let region: ReturnType<typeof regionTokenEncoder>;
    try {
      const embeddings = dynamicVision?.embeddings ?? positionAddOutput(visionG, files.clipVision);
      region = regionTokenEncoder(biased, readGraphSummary(biased, files.clipVision), selfSites, embeddings, files.clipVision);
    } catch (err) {
      if (!(err instanceof ModelPackError)) throw err;
      region = { unsupported: err.message };
    }
    if ('unsupported' in region) {
      options.logger?.warn({ file: files.clipVision, reason: region.unsupported }, 'masked CLIP: one region per batch item, last layer only (maskedLayer −1)');
    }
    const maskedBytes = 'unsupported' in region ? biased : region.bytes;
    await writeFile(join(tmp, maskedTarget), maskedBytes);
    written('clip', files.clipVision, maskedTarget, 'clip-attention-bias');
    const regionOutputs = 'unsupported' in region ? undefined : region.outputs;
    await verifyClipVision(runtime, {
      original: files.clipVision,
      plain: join(tmp, vision.file),
      masked: join(tmp, maskedTarget),
      probe: clipProbe,
      dynamic: !!dynamicVision,
      regionOutputs,
    });

    // --- constants: from the graphs where they tell (an option that contradicts a graph is refused), else
    // options, else defaults
    const c = options.constants ?? {};
    const samPx = samEncoder.inputs.find((i) => i.name === 'pixel_values');
    const tokensSide = Math.sqrt(clipProbe.tokens - 1);
    const fromGraph = <T extends number | boolean>(field: string, given: T | undefined, graph: T | undefined, file: string, fallback: T): T => {
      if (given !== undefined && graph !== undefined && given !== graph) {
        throw new ModelPackError('CONTRACT_MISMATCH', `constants.${field} was given as ${given}, but ${file} says ${graph}; leave it out (the graph tells it)`);
      }
      return graph ?? given ?? fallback;
    };
    const constants: ManifestConstants = {
      sd: {
        ...DEFAULT_CONSTANTS.sd,
        ...c.sd,
        vaeDownsample: fromGraph('sd.vaeDownsample', c.sd?.vaeDownsample, derived.sd.vaeDownsample, files.vaeEncoder, DEFAULT_CONSTANTS.sd.vaeDownsample),
        latentChannels: fromGraph('sd.latentChannels', c.sd?.latentChannels, derived.sd.latentChannels, files.vaeEncoder, DEFAULT_CONSTANTS.sd.latentChannels),
        textHiddenSize: fromGraph('sd.textHiddenSize', c.sd?.textHiddenSize, derived.sd.textHiddenSize, files.sdTextEncoder, DEFAULT_CONSTANTS.sd.textHiddenSize),
      },
      clip: {
        ...DEFAULT_CONSTANTS.clip,
        ...(c.clip as Partial<ManifestConstants['clip']>),
        imageSize: clipProbe.imageSize,
        patchSize: Number.isInteger(tokensSide) ? clipProbe.imageSize / tokensSide : (c.clip?.patchSize ?? DEFAULT_CONSTANTS.clip.patchSize),
        embedDim: fromGraph('clip.embedDim', c.clip?.embedDim, derived.clip.embedDim, files.clipText, DEFAULT_CONSTANTS.clip.embedDim),
        // the surgery makes it true; an export that already interpolates would also pass the probe
        dynamicImageSize: !!dynamicVision || clipProbe.dynamicImageSize,
      },
      sam: {
        ...DEFAULT_CONSTANTS.sam,
        ...(c.sam as Partial<ManifestConstants['sam']>),
        inputSize: fromGraph('sam.inputSize', c.sam?.inputSize, num(samPx, 2), files.samEncoder, DEFAULT_CONSTANTS.sam.inputSize),
        lowResSize: fromGraph('sam.lowResSize', c.sam?.lowResSize, derived.sam.lowResSize, files.samDecoder, DEFAULT_CONSTANTS.sam.lowResSize),
      },
    };
    const latentSide = constants.sd.imageSize / constants.sd.vaeDownsample;
    if (!Number.isInteger(latentSide) || latentSide % 8 !== 0) {
      throw new ModelPackError(
        'EXPORT_UNSUPPORTED',
        `the SD image size ${constants.sd.imageSize} gives a latent of ${latentSide} with ${files.vaeEncoder} (downsampling ×${constants.sd.vaeDownsample}); the UNet needs a multiple of 8`,
      );
    }

    // --- files with checksums and provenance (sources hashed once; copies have the same bytes)
    const sourceSums = new Map<string, string>();
    const sumOf = async (p: string) => {
      let s = sourceSums.get(p);
      if (!s) sourceSums.set(p, (s = await sha256File(p)));
      return s;
    };
    const fileEntries: ManifestFileEntry[] = [];
    for (const r of [...recorded].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
      const abs = join(tmp, r.path);
      const sourceSum = await sumOf(r.sourcePath);
      const sum = r.transform === 'copy' || r.transform === 'symlink' || r.transform === 'hardlink' ? sourceSum : await sha256File(abs);
      const label = options.sources?.[r.origin];
      fileEntries.push({
        path: r.path,
        sha256: sum,
        bytes: (await stat(abs)).size,
        source: { origin: r.origin, ...(label ? { export: label } : {}), path: relative(r.sourceRoot, r.sourcePath).split('\\').join('/'), sha256: sourceSum },
        transform: r.transform,
      });
    }
    const biasTokens = dynamicVision ? 'tokens' : clipProbe.tokens;
    const maskedInputs = [...vision.inputs, { name: ATTENTION_BIAS_INPUT, dtype: clipProbe.dtype === 'float16' ? ('float16' as const) : ('float32' as const), shape: [visionBatch, 1, biasTokens, biasTokens] }];
    const maskedOutputs = graphOutputs(readGraphSummary(maskedBytes, files.clipVision), files.clipVision);
    const manifest: Manifest = {
      schemaVersion: MANIFEST_SCHEMA_VERSION,
      name: options.name,
      files: fileEntries,
      tokenizer: tok,
      models: {
        sdTextEncoder: strip(sdText),
        vaeEncoder: { ...strip(vae), variant: vaeVariant, ...(vaeAttentionPeak ? { attentionPeak: vaeAttentionPeak } : {}) },
        unet: {
          file: unetTarget,
          externalData: unetExternal,
          inputs: unetInputs,
          outputs: [...graphOutputs(unetG, files.unet), ...readoutSpecs],
          attention,
          ...(probed.attentionPeak ? { attentionPeak: probed.attentionPeak } : {}),
        },
        // optimum names text_embeds' last axis like input_ids' sequence axis; the graph computes the projection width
        clipText: { ...strip(clipText), outputs: clipText.outputs.map((o) => (o.name === 'text_embeds' ? lastDim(o, derived.clip.embedDim) : o)) },
        clipVision: strip(vision),
        clipVisionMasked: {
          file: maskedTarget,
          externalData: vision.externalData,
          inputs: maskedInputs,
          outputs: maskedOutputs,
          biasInput: ATTENTION_BIAS_INPUT,
          tokens: clipProbe.tokens,
          blockedBias: -1e4,
          attentionHeads: clipProbe.heads,
          ...(regionOutputs ? { regionOutputs: [...regionOutputs] } : {}),
        },
        samEncoder: strip(samEncoder),
        samDecoder: { ...strip(samDecoder), variant: samVariant },
      },
      constants,
    };
    const text = serializeManifest(manifest);
    await writeFile(join(tmp, MANIFEST_FILE), text);
    await ensureEmptyTarget(out); // still empty (it may exist as an empty folder, which rename replaces)
    await rename(tmp, out);
    options.logger?.info({ pack: out, readouts: attention.length, manifestSha256: sha256Bytes(text) }, 'model pack prepared');
    return { manifestPath: join(out, MANIFEST_FILE), manifest };
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** The VAE's attention growth for the memory preflight: its Softmax outputs at two image sizes. */
async function probeVaeAttention(runtime: ModelRuntime, path: string, g: GraphSummary, derived: GraphConstants) {
  const softmax = exposeSoftmaxOutputs(g);
  // measured: no attention at all (an old pack without this record gets the SD-like estimate instead)
  if (softmax.outputs.size === 0) return { side: 8 * derived.sd.vaeDownsample, bytesPerElement: 4, terms: [] };
  const probePath = join(dirname(path), '.probe_vae.onnx');
  await writeFile(probePath, editModel(await readFile(path), softmax.edit, path));
  const session = await runtime.load(probePath, 'vae encoder (memory probe)');
  try {
    const px = session.inputs.find((i) => i.name === 'sample') as TensorSpec;
    const fixed = num(px, 2);
    const batch = num(px, 0) ?? 1;
    const side = fixed ?? 8 * derived.sd.vaeDownsample;
    const run = (s: number) => runSoftmaxProbe(session, softmax.outputs, { sample: zeros(px.dtype, [batch, 3, s, s]) }, s, batch);
    const first = await run(side);
    return attentionPeakOf(first, fixed ? undefined : await run(2 * side));
  } finally {
    await session.dispose();
    await rm(probePath, { force: true });
  }
}

/** The spec with its last dim fixed to what running the graph showed (a symbolic name there can be wrong). */
function lastDim(spec: TensorSpec, value: number): TensorSpec {
  return { ...spec, shape: [...spec.shape.slice(0, -1), value] };
}

function strip(m: { file: string; externalData: string[]; inputs: TensorSpec[]; outputs: readonly TensorSpec[] }) {
  return { file: m.file, externalData: m.externalData, inputs: [...m.inputs], outputs: [...m.outputs] };
}

function selectLayers(readouts: readonly ProbedReadout[], which: readonly string[] | 'level4' | 'all', file: string): ProbedReadout[] {
  if (which === 'all') return [...readouts];
  if (which === 'level4') {
    const chosen = readouts.filter((r) => r.level === 4);
    if (chosen.length === 0) {
      throw new ModelPackError('EXPORT_UNSUPPORTED', `${file}: no cross-attention layer at latent/4 (levels found: ${[...new Set(readouts.map((r) => r.level))].join(', ')})`);
    }
    return chosen;
  }
  const byLayer = new Map(readouts.map((r) => [r.site.layer, r]));
  return which.map((l) => {
    const r = byLayer.get(l);
    if (!r) throw new ModelPackError('EXPORT_UNSUPPORTED', `${file}: no cross-attention layer '${l}' (layers: ${[...byLayer.keys()].join(', ')})`);
    return r;
  });
}

export type { SoftmaxSite };
