/**
 * The model-pack manifest (`manifest.json`), schema version 1. A pack is a folder; every path in the manifest
 * is relative to it. The manifest lists every file with its sha256 and provenance, every model's tensor contract,
 * the constants pre- and post-processing need, and which attention readouts the pack offers.
 */
import { z } from 'zod';

export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_SCHEMA_VERSION = 1;

const relativePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split('/').includes('..') && !p.includes('\\'), {
    message: 'must be a relative path inside the pack (no leading /, no .., forward slashes)',
  });
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex digits (sha256)');
const positiveInt = z.number().int().positive();
const rgb = z.tuple([z.number(), z.number(), z.number()]);

export const tensorDTypeSchema = z.enum(['float32', 'float16', 'int32', 'int64', 'bool', 'uint8']);
export const tensorSpecSchema = z.strictObject({
  name: z.string().min(1),
  dtype: tensorDTypeSchema,
  /** numbers are fixed dims; strings symbolic (bound per call) */
  shape: z.array(z.union([z.number().int().nonnegative(), z.string().min(1)])).readonly(),
});

export const fileEntrySchema = z.strictObject({
  path: relativePath,
  sha256,
  bytes: z.number().int().nonnegative(),
  /** Where the file came from: the export folder it was taken from, its path there and that file's sha256. */
  source: z.strictObject({
    origin: z.enum(['sd', 'clip', 'sam', 'generated']),
    /** a label for the download, e.g. "onnx-community/stable-diffusion-v1-5-ONNX" */
    export: z.string().optional(),
    path: z.string().min(1),
    sha256,
  }),
  /** how the pack file was made from the source */
  transform: z.enum(['copy', 'symlink', 'hardlink', 'unet-attention-outputs', 'clip-attention-bias', 'clip-position-interpolation', 'vae-posterior-mean', 'generated']),
});

const modelBase = {
  file: relativePath,
  /** external data files the graph references (relative to the pack) */
  externalData: z.array(relativePath),
  inputs: z.array(tensorSpecSchema).min(1),
  outputs: z.array(tensorSpecSchema).min(1),
};

export const attentionReadoutSchema = z.strictObject({
  /** diffusers module path, e.g. "down_blocks.2.attentions.0" */
  layer: z.string().min(1),
  /** the Softmax node the readout was taken at */
  node: z.string().min(1),
  level: z.union([z.literal(1), z.literal(2), z.literal(4), z.literal(8)]),
  heads: positiveInt,
  layout: z.enum(['bh-hw-t', 'b-h-hw-t', 'b-hw-t']),
  /** output tensor names; at least one */
  logits: z.string().min(1).optional(),
  probs: z.string().min(1).optional(),
});

/**
 * How the model's largest attention tensors grow with its input side, measured at prepare by running it at
 * `side` and 2·side: each term is the elements per batch item of the largest Softmax output growing as
 * side^exponent (4 for self-attention over HW tokens, 2 for cross-attention). The memory preflight scales them
 * to the requested side. No terms: the model has no Softmax (no attention to grow).
 */
export const attentionPeakSchema = z.strictObject({
  side: positiveInt,
  bytesPerElement: positiveInt,
  terms: z
    .array(z.strictObject({ exponent: z.number().int().nonnegative(), elements: positiveInt, node: z.string().min(1) })),
});

export const manifestSchema = z.strictObject({
  schemaVersion: z.literal(MANIFEST_SCHEMA_VERSION),
  name: z.string().min(1),
  files: z.array(fileEntrySchema).min(1),
  tokenizer: z.strictObject({
    file: relativePath,
    contextLength: positiveInt,
    startId: z.number().int().nonnegative(),
    endId: z.number().int().nonnegative(),
    padId: z.number().int().nonnegative(),
  }),
  models: z.strictObject({
    sdTextEncoder: z.strictObject({ ...modelBase }),
    vaeEncoder: z.strictObject({ ...modelBase, variant: z.enum(['latent_sample', 'latent_parameters']), attentionPeak: attentionPeakSchema.optional() }),
    unet: z.strictObject({ ...modelBase, attention: z.array(attentionReadoutSchema), attentionPeak: attentionPeakSchema.optional() }),
    clipText: z.strictObject({ ...modelBase }),
    clipVision: z.strictObject({ ...modelBase }),
    /** CLIP vision with an additive attention-bias input before every self-attention Softmax (soft branch) */
    clipVisionMasked: z.strictObject({
      ...modelBase,
      biasInput: z.string().min(1),
      /** tokens per image at imageSize: 1 + (imageSize / patchSize)² (at other sizes, with dynamicImageSize: 1 + gh·gw) */
      tokens: positiveInt,
      /**
       * The reference's form (prepare makes it): the CLS token is replaced by N region tokens, N = the bias' token
       * count − patches, so one call scores every region; `regionOutputs[k − 1]` is [N, E], the region tokens after
       * encoder layer k through the export's own readout (final layernorm + projection); the last is region_embeds.
       * Absent: one region per batch item, read at image_embeds (last layer only).
       */
      regionOutputs: z.array(z.string().min(1)).min(1).optional(),
      /** written by one earlier prepare (per-batch-item readouts per layer); read as absent */
      layerOutputs: z.array(z.string().min(1)).optional(),
      /** the bias that blocks attention (finite: −1e4, not −∞, as the reference export) */
      blockedBias: z.number().negative(),
      /**
       * Self-attention heads per layer, read by `prepare` from the graph's attention logits [B, heads, T, T]: the
       * memory preflight of a region call estimates heads × T² scores per layer. Absent (packs made before): 12,
       * ViT-B/16's.
       */
      attentionHeads: positiveInt.optional(),
    }),
    samEncoder: z.strictObject({ ...modelBase }),
    samDecoder: z.strictObject({ ...modelBase, variant: z.enum(['hf-split', 'meta-single']) }),
  }),
  constants: z.strictObject({
    sd: z.strictObject({
      imageSize: positiveInt,
      vaeDownsample: positiveInt,
      latentChannels: positiveInt,
      latentScale: z.number().positive(),
      betaStart: z.number().positive(),
      betaEnd: z.number().positive(),
      trainTimesteps: positiveInt,
      textHiddenSize: positiveInt,
    }),
    clip: z.strictObject({
      imageSize: positiveInt,
      patchSize: positiveInt,
      mean: rgb,
      std: rgb,
      embedDim: positiveInt,
      dynamicImageSize: z.boolean(),
    }),
    sam: z.strictObject({
      inputSize: positiveInt,
      lowResSize: positiveInt,
      mean: rgb,
      std: rgb,
      predIouThresh: z.number(),
      stabilityScoreThresh: z.number(),
      stabilityScoreOffset: z.number(),
      boxNmsThresh: z.number(),
      maskThreshold: z.number(),
      pointsPerSide: positiveInt,
      pointsPerBatch: positiveInt,
    }),
  }),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type ManifestFileEntry = z.infer<typeof fileEntrySchema>;
export type ManifestModel = Manifest['models'][keyof Manifest['models']];
export type ModelRole = keyof Manifest['models'];
export type AttentionReadoutEntry = z.infer<typeof attentionReadoutSchema>;
export type ManifestConstants = Manifest['constants'];
export type AttentionPeak = z.infer<typeof attentionPeakSchema>;

export const MODEL_ROLES: readonly ModelRole[] = [
  'sdTextEncoder',
  'vaeEncoder',
  'unet',
  'clipText',
  'clipVision',
  'clipVisionMasked',
  'samEncoder',
  'samDecoder',
];
