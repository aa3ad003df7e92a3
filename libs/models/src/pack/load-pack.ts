/**
 * Opening a model pack: the manifest is parsed and every file checked (present, size, sha256) before anything
 * is loaded, so a broken pack fails as a whole with a message that lists what is wrong; models then load lazily
 * on first use (or all at once with `preload`). With the CUDA provider the smallest model is loaded at once, so
 * a host without the provider libraries fails here, with instructions, rather than at the first request.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ModelPackConstants } from '@refdiff/pipeline';
import { readManifest, sha256Bytes, verifyPackFiles, type VerifyMode } from '../manifest/manifest-io';
import { MODEL_ROLES, type Manifest, type ModelRole } from '../manifest/manifest.schema';
import { createOnnxRuntime } from '../runtime/onnx-runtime';
import type { ExecutionProvider, ModelRuntime, RuntimeLogger } from '../runtime/runtime.types';
import { PackModels } from './pack-models';
import { PackSession } from './pack-session';

export interface LoadPackOptions {
  readonly executionProvider: ExecutionProvider;
  /** intra-op threads per session (default: onnxruntime's, one per core) */
  readonly threads?: number;
  readonly interOpThreads?: number;
  readonly cudaDeviceId?: number;
  readonly logger?: RuntimeLogger;
  /** 'sha256' (default) hashes every file; 'size' only checks presence and sizes (faster start for big packs) */
  readonly verify?: VerifyMode;
  /** a runtime to use instead of onnxruntime-node with the options above */
  readonly runtime?: ModelRuntime;
  /**
   * load and check every model now instead of on first use (a worker's start-up): any failure disposes what
   * was loaded and rejects, so nothing stays half-loaded
   */
  readonly preload?: boolean;
  /**
   * bytes the attention tensors of one UNet or VAE call may take (the memory preflight, docs/models.md "Memory");
   * Infinity turns the check off; undefined = 80% of the memory free at the call
   */
  readonly maxModelMemory?: number;
}

export function packConstants(manifest: Manifest, manifestText: string, tokenizerJson: string): ModelPackConstants {
  const c = manifest.constants;
  return {
    packName: manifest.name,
    packChecksum: sha256Bytes(manifestText),
    tokenizer: {
      json: tokenizerJson,
      contextLength: manifest.tokenizer.contextLength,
      startId: manifest.tokenizer.startId,
      endId: manifest.tokenizer.endId,
      padId: manifest.tokenizer.padId,
    },
    sd: {
      ...c.sd,
      attentionLayers: manifest.models.unet.attention.map((a) => ({
        name: a.layer,
        level: a.level,
        heads: a.heads,
        kinds: [...(a.logits ? (['logits'] as const) : []), ...(a.probs ? (['probs'] as const) : [])],
      })),
    },
    clip: { ...c.clip, layers: manifest.models.clipVisionMasked.regionOutputs?.length ?? 1 },
    sam: { ...c.sam },
  };
}

export async function loadPack(dir: string, options: LoadPackOptions): Promise<PackModels> {
  const packDir = resolve(dir);
  const { manifest, text } = await readManifest(packDir);
  await verifyPackFiles(packDir, manifest, options.verify ?? 'sha256');
  const tokenizerJson = await readFile(join(packDir, manifest.tokenizer.file), 'utf8');
  const runtime =
    options.runtime ??
    createOnnxRuntime({
      executionProvider: options.executionProvider,
      intraOpThreads: options.threads,
      interOpThreads: options.interOpThreads,
      cudaDeviceId: options.cudaDeviceId,
      logger: options.logger,
    });
  const sessions = Object.fromEntries(
    MODEL_ROLES.map((role) => [role, new PackSession(role, manifest.models[role], join(packDir, manifest.models[role].file), runtime)]),
  ) as Record<ModelRole, PackSession>;
  if (options.preload) {
    const results = await Promise.allSettled(MODEL_ROLES.map((role) => sessions[role].session()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await Promise.all(MODEL_ROLES.map((role) => sessions[role].dispose()));
      throw failed.reason;
    }
  } else if (runtime.executionProvider === 'cuda') {
    const sizes = new Map(manifest.files.map((f) => [f.path, f.bytes]));
    const smallest = [...MODEL_ROLES].sort((a, b) => (sizes.get(manifest.models[a].file) ?? 0) - (sizes.get(manifest.models[b].file) ?? 0))[0];
    await sessions[smallest].session();
  }
  options.logger?.info({ pack: packDir, name: manifest.name, executionProvider: runtime.executionProvider }, 'model pack opened');
  return new PackModels(manifest, packConstants(manifest, text, tokenizerJson), sessions, options.maxModelMemory);
}
