/** Where the public downloads keep their files (method.md §7), and how to tell the user what is missing. */
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { ModelPackError } from '../errors';

export interface ExportFiles {
  readonly sdTextEncoder: string;
  readonly vaeEncoder: string;
  readonly unet: string;
  readonly tokenizer: string;
  readonly clipText: string;
  readonly clipVision: string;
  readonly samEncoder: string;
  /** the HF split decoder, or a Meta single-prompt decoder (any other .onnx in the SAM folder) */
  readonly samDecoder: string;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function need(dir: string, rel: string, what: string, hint: string): Promise<string> {
  const path = join(dir, rel);
  if (!(await isFile(path))) {
    throw new ModelPackError('EXPORT_NOT_FOUND', `${what}: ${path} not found. ${hint}`);
  }
  return path;
}

const SD_HINT =
  'Expected the diffusers/optimum ONNX layout of Stable Diffusion 1.5 (text_encoder/, vae_encoder/, unet/ with model.onnx; ' +
  'e.g. a download of onnx-community/stable-diffusion-v1-5-ONNX) — see docs/models.md.';
const CLIP_HINT = 'Expected the Xenova/clip-vit-base-patch16 layout (tokenizer.json, onnx/text_model.onnx, onnx/vision_model.onnx).';
const SAM_HINT =
  'Expected the Xenova SAM layout (onnx/vision_encoder.onnx + onnx/prompt_encoder_mask_decoder.onnx, e.g. Xenova/sam-vit-base), ' +
  "or onnx/vision_encoder.onnx plus Meta's decoder export (any other .onnx file in the folder).";

export async function locateExports(dirs: { sd: string; clip: string; sam: string }): Promise<ExportFiles> {
  const samEncoder = await need(dirs.sam, 'onnx/vision_encoder.onnx', 'SAM image encoder', SAM_HINT);
  let samDecoder = join(dirs.sam, 'onnx/prompt_encoder_mask_decoder.onnx');
  if (!(await isFile(samDecoder))) {
    const candidates: string[] = [];
    for (const sub of ['onnx', '.']) {
      const d = join(dirs.sam, sub);
      const names = await readdir(d).catch(() => [] as string[]);
      for (const n of names.sort()) {
        const p = join(d, n);
        if (n.endsWith('.onnx') && p !== samEncoder && (await isFile(p))) candidates.push(p);
      }
    }
    if (candidates.length !== 1) {
      throw new ModelPackError(
        'EXPORT_NOT_FOUND',
        `SAM decoder: ${samDecoder} not found and ${candidates.length === 0 ? 'no other' : 'more than one'} .onnx file in ${dirs.sam}` +
          `${candidates.length ? ` (${candidates.map((c) => relative(dirs.sam, c)).join(', ')})` : ''}. ${SAM_HINT}`,
      );
    }
    samDecoder = candidates[0];
  }
  return {
    sdTextEncoder: await need(dirs.sd, 'text_encoder/model.onnx', 'SD text encoder', SD_HINT),
    vaeEncoder: await need(dirs.sd, 'vae_encoder/model.onnx', 'SD VAE encoder', SD_HINT),
    unet: await need(dirs.sd, 'unet/model.onnx', 'SD UNet', SD_HINT),
    tokenizer: await need(dirs.clip, 'tokenizer.json', 'CLIP tokenizer', CLIP_HINT),
    clipText: await need(dirs.clip, 'onnx/text_model.onnx', 'CLIP text model', CLIP_HINT),
    clipVision: await need(dirs.clip, 'onnx/vision_model.onnx', 'CLIP vision model', CLIP_HINT),
    samEncoder,
    samDecoder,
  };
}
