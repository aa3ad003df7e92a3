/**
 * Which files of each hub repository `prepare` reads — the same rules as prepare/export-layout.ts (which checks
 * them on disk), applied to a repository's file list. External data files (`unet/weights.pb`,
 * `*.onnx_data`) are not listed here: they are read from each downloaded graph (its initializers' `location`).
 */
import { posix } from 'node:path';
import { HubError } from '../errors';

export type PullRole = 'sd' | 'clip' | 'sam';

export const DEFAULT_REPOS: Readonly<Record<PullRole, string>> = {
  sd: 'onnx-community/stable-diffusion-v1-5-ONNX',
  clip: 'Xenova/clip-vit-base-patch16',
  sam: 'Xenova/sam-vit-base',
};

const REQUIRED: Readonly<Record<PullRole, readonly string[]>> = {
  sd: ['text_encoder/model.onnx', 'vae_encoder/model.onnx', 'unet/model.onnx'],
  clip: ['tokenizer.json', 'onnx/text_model.onnx', 'onnx/vision_model.onnx'],
  sam: ['onnx/vision_encoder.onnx'],
};

const SAM_DECODER = 'onnx/prompt_encoder_mask_decoder.onnx';

/**
 * The files to fetch for a role, given the repository's file list: the fixed ones, and for SAM the Xenova split
 * decoder or else the one other `.onnx` file in `onnx/` or the top folder (Meta's decoder export).
 */
export function filesFor(role: PullRole, available: ReadonlySet<string>, repoLabel: string): string[] {
  const files = [...REQUIRED[role]];
  if (role === 'sam') {
    if (available.has(SAM_DECODER)) files.push(SAM_DECODER);
    else {
      const candidates = [...available].filter(
        (p) => p.endsWith('.onnx') && p !== REQUIRED.sam[0] && (posix.dirname(p) === 'onnx' || posix.dirname(p) === '.'),
      );
      if (candidates.length !== 1) {
        throw new HubError(
          'HUB_FILE_NOT_FOUND',
          `${repoLabel}: no ${SAM_DECODER}, and ${candidates.length === 0 ? 'no other' : `${candidates.length}`} .onnx files to take as a Meta decoder` +
            `${candidates.length ? ` (${candidates.sort().join(', ')})` : ''}; expected the Xenova SAM layout (e.g. Xenova/sam-vit-base) — see docs/models.md`,
        );
      }
      files.push(candidates[0]);
    }
  }
  const missing = files.filter((f) => !available.has(f));
  if (missing.length) {
    throw new HubError(
      'HUB_FILE_NOT_FOUND',
      `${repoLabel} has no ${missing.join(', ')}: \`prepare\` needs ${files.join(', ')} from the ${role === 'sd' ? 'SD 1.5' : role === 'clip' ? 'CLIP' : 'SAM'} repository — ` +
        `choose another with --${role}-repo / --${role}-revision (see docs/models.md)`,
    );
  }
  return files;
}

/** The repository path of an external data file named by `graph` (locations are relative to the graph's folder). */
export function externalDataPath(graph: string, location: string, repoLabel: string): string {
  const p = posix.normalize(posix.join(posix.dirname(graph), location.split('\\').join('/')));
  if (location.startsWith('/') || p.startsWith('../') || p === '..') {
    throw new HubError('HUB_PROTOCOL', `${repoLabel}/${graph}: external data location '${location}' leaves the repository`);
  }
  return p;
}
