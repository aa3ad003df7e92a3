/**
 * Writes tiny "public export" folders (SD diffusers/optimum layout, Xenova CLIP, Xenova or Meta SAM) in the
 * layouts `prepare` reads, from the tiny graphs. The UNet's initializers go to weights.pb (external data).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildModel, externalizeInitializers, modelProto } from '../onnx/graph-builder';
import { tinyUnet, type TinyUnetOptions, type AttentionLayout } from './tiny-graphs';
import {
  tinyClipText,
  tinyClipVision,
  tinySamDecoderHf,
  tinySamDecoderMeta,
  tinySamEncoder,
  tinySdTextEncoder,
  tinyVaeEncoder,
  type TinyVaeOptions,
} from './tiny-encoders';

export interface TinyExportOptions {
  readonly unetLayout: AttentionLayout;
  readonly clipLayout?: AttentionLayout;
  readonly unet?: Omit<TinyUnetOptions, 'layout'>;
  readonly vae?: 'latent_sample' | 'latent_parameters';
  /** more VAE variations (downsampling, sampling, attention) */
  readonly vaeOptions?: Omit<TinyVaeOptions, 'variant'>;
  /** SD text encoder hidden width (default 8, the tiny UNet's cross-attention width) and vocabulary size */
  readonly sdText?: { readonly hidden?: number; readonly vocab?: number; readonly positions?: number };
  /** CLIP text and vision projection widths (default 6) */
  readonly clipEmbed?: { readonly text?: number; readonly vision?: number };
  /** SAM embedding channels, grid and low-res mask size */
  readonly samSizes?: { readonly channels?: number; readonly grid?: number; readonly lowRes?: number };
  readonly sdIds?: 'int32' | 'int64';
  readonly sam?: 'hf-split' | 'meta-single';
  /** CLIP text model with an attention_mask input */
  readonly clipTextMask?: boolean;
  /** fixed batch size of the SD text encoder (default symbolic) */
  readonly sdTextBatch?: number;
}

/** A minimal Hugging Face tokenizer.json: 62 word pieces, start 62, end 63. */
export function tinyTokenizerJson(): string {
  const vocab: Record<string, number> = {};
  for (let i = 0; i < 62; i++) vocab[`w${i}</w>`] = i;
  vocab['<|startoftext|>'] = 62;
  vocab['<|endoftext|>'] = 63;
  return `${JSON.stringify({
    version: '1.0',
    added_tokens: [
      { id: 62, content: '<|startoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true },
      { id: 63, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: true, special: true },
    ],
    model: { type: 'BPE', vocab, merges: [], end_of_word_suffix: '</w>', unk_token: '<|endoftext|>' },
  })}\n`;
}

export async function writeTinyExports(root: string, o: TinyExportOptions): Promise<{ sd: string; clip: string; sam: string }> {
  const sd = join(root, 'sd');
  const clip = join(root, 'clip');
  const sam = join(root, 'sam');
  for (const d of ['text_encoder', 'vae_encoder', 'unet']) await mkdir(join(sd, d), { recursive: true });
  await mkdir(join(clip, 'onnx'), { recursive: true });
  await mkdir(join(sam, 'onnx'), { recursive: true });
  await writeFile(join(sd, 'text_encoder/model.onnx'), buildModel(tinySdTextEncoder({ idsDtype: o.sdIds ?? 'int32', batch: o.sdTextBatch, ...o.sdText })));
  await writeFile(join(sd, 'vae_encoder/model.onnx'), buildModel(tinyVaeEncoder({ variant: o.vae ?? 'latent_sample', ...o.vaeOptions })));
  const unet = externalizeInitializers(modelProto(tinyUnet({ layout: o.unetLayout, ...o.unet }).spec), 'weights.pb');
  await writeFile(join(sd, 'unet/model.onnx'), unet.graph);
  await writeFile(join(sd, 'unet/weights.pb'), unet.data);
  await writeFile(join(clip, 'tokenizer.json'), tinyTokenizerJson());
  await writeFile(join(clip, 'onnx/text_model.onnx'), buildModel(tinyClipText({ attentionMask: o.clipTextMask, embed: o.clipEmbed?.text })));
  await writeFile(join(clip, 'onnx/vision_model.onnx'), buildModel(tinyClipVision({ layout: o.clipLayout ?? 'b-h-hw-t', embed: o.clipEmbed?.vision })));
  await writeFile(join(sam, 'onnx/vision_encoder.onnx'), buildModel(tinySamEncoder(o.samSizes)));
  if ((o.sam ?? 'hf-split') === 'hf-split') {
    await writeFile(join(sam, 'onnx/prompt_encoder_mask_decoder.onnx'), buildModel(tinySamDecoderHf(o.samSizes)));
  } else {
    await writeFile(join(sam, 'onnx/sam_decoder.onnx'), buildModel(tinySamDecoderMeta(o.samSizes)));
  }
  return { sd, clip, sam };
}
