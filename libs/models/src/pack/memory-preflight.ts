/**
 * Memory preflight: before a UNet or VAE call runs at a requested size, estimate its largest attention tensor
 * (an unfused graph materialises heads × (HW)² scores per item) and refuse with RESOURCE_EXHAUSTED and the
 * figures when it cannot fit, instead of letting the kernel kill the process. The limit is configuration
 * (`maxModelMemory`, from REFDIFF_MAX_MODEL_MEMORY in the apps); by default a fraction of the memory free now.
 */
import { constrainedMemory, memoryUsage } from 'node:process';
import { freemem } from 'node:os';
import { ModelMemoryError } from '../errors';
import type { AttentionPeak } from '../manifest/manifest.schema';

/**
 * Attention-sized tensors alive at once in an unfused attention block: the scores QKᵀ, the scaled (or cast)
 * scores and the probabilities. Measured on onnxruntime 1.30 CPU: peak RSS − baseline = 2.8× the scores tensor
 * for diffusers' classic attention (VAE mid-block and UNet), 2× for the SDPA lowering.
 */
export const ATTENTION_COPIES = 3;

/** Share of the currently free memory the default limit allows. */
export const DEFAULT_FREE_MEMORY_FRACTION = 0.8;

export interface MemoryLimit {
  readonly bytes: number;
  readonly source: string;
}

/** The limit: the configured bytes, else DEFAULT_FREE_MEMORY_FRACTION of the memory free now (cgroup-aware). */
export function memoryLimit(maxModelMemory: number | undefined): MemoryLimit {
  if (maxModelMemory !== undefined) return { bytes: maxModelMemory, source: 'the configured limit (REFDIFF_MAX_MODEL_MEMORY)' };
  let free = freemem();
  const constrained = constrainedMemory?.() ?? 0;
  // a cgroup limit below the host's memory (containers): what is left of it for this process
  if (constrained > 0 && constrained < Number.MAX_SAFE_INTEGER) free = Math.min(free, Math.max(0, constrained - memoryUsage.rss()));
  return {
    bytes: Math.floor(free * DEFAULT_FREE_MEMORY_FRACTION),
    source: `${DEFAULT_FREE_MEMORY_FRACTION * 100}% of the memory free now (set REFDIFF_MAX_MODEL_MEMORY to choose)`,
  };
}

/** Elements per batch item of the largest attention tensor at `side`, and the node it is at. */
export function largestAttention(peak: AttentionPeak, side: number): { elements: number; node: string } {
  let best = { elements: 0, node: '' };
  for (const t of peak.terms) {
    const elements = t.elements * (side / peak.side) ** t.exponent;
    if (elements > best.elements) best = { elements, node: t.node };
  }
  return best;
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024).toFixed(1)} KiB`;
}

/**
 * How many items of a batch fit one call; throws ModelMemoryError when fewer than `minItems` (1, or a graph's
 * fixed batch) do. `peak` undefined means the model has no attention: no limit.
 */
export function preflight(
  model: string,
  peak: AttentionPeak | undefined,
  side: number,
  batch: number,
  limit: MemoryLimit,
  what: string,
  minItems = 1,
  remedy = 'Use a smaller image size',
): number {
  if (!peak) return batch;
  const { elements, node } = largestAttention(peak, side);
  const perItem = elements * peak.bytesPerElement;
  const neededPerItem = perItem * ATTENTION_COPIES;
  const fit = Math.floor(limit.bytes / Math.max(1, neededPerItem));
  if (fit >= minItems) return Math.max(minItems, Math.min(batch, fit));
  const needed = neededPerItem * minItems;
  throw new ModelMemoryError(
    { model, side, batch: minItems, attentionBytes: perItem * minItems, neededBytes: needed, limitBytes: limit.bytes, limitSource: limit.source },
    `${model} at ${what}${minItems > 1 ? ` (its graph fixes the batch at ${minItems})` : ''} needs about ${formatBytes(needed)} for its attention ` +
      `(its largest attention tensor, at ${node}, is ${formatBytes(perItem)} per item, and ${ATTENTION_COPIES} such tensors are alive at once in an unfused graph), ` +
      `more than the ${formatBytes(limit.bytes)} allowed by ${limit.source}. ${remedy}, a machine with more memory, ` +
      'or raise REFDIFF_MAX_MODEL_MEMORY if you know the memory is there (docs/models.md, "Memory").',
  );
}

/**
 * The estimate for packs made before attention peaks were measured: UNet self-attention at the finest level that
 * has a transformer block (latent/1 for SD 1.5: heads × (HW)² per item), VAE mid-block attention at the latent
 * size (one head).
 */
export function fallbackPeak(kind: 'unet' | 'vae', o: { heads: number; level: number; vaeDownsample: number }): AttentionPeak {
  return kind === 'unet'
    ? { side: o.level, bytesPerElement: 4, terms: [{ exponent: 4, elements: o.heads, node: `self-attention at latent/${o.level} (estimated)` }] }
    : { side: o.vaeDownsample, bytesPerElement: 4, terms: [{ exponent: 4, elements: 1, node: 'mid-block attention at the latent size (estimated)' }] };
}

/**
 * Parses a memory size as configured (REFDIFF_MAX_MODEL_MEMORY): bytes, or a number with K/M/G/T (powers of 1024,
 * optional "i" and "B": 12G, 12GiB, 512MB), or off/none/unlimited (Infinity: no check). Throws on anything else.
 */
export function parseByteSize(text: string): number {
  const t = text.trim();
  if (/^(off|none|unlimited|infinity)$/i.test(t)) return Infinity;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?$/i.exec(t);
  if (!m) throw new Error(`'${text}' is not a memory size (bytes, or a number with K, M, G or T, e.g. 12G; or off)`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g' | 't'];
  const bytes = Math.floor(Number(m[1]) * unit);
  if (!(bytes > 0)) throw new Error(`'${text}' is not a positive memory size`);
  return bytes;
}

/** ViT-B/16's heads per layer: the estimate for packs made before `clipVisionMasked.attentionHeads` was recorded */
export const CLIP_FALLBACK_HEADS = 12;

/**
 * The masked (region) CLIP encoder's attention, as a peak the preflight scales: each self-attention layer holds
 * heads × T² scores per sequence of T tokens (T = regions + patches when every region token shares one sequence,
 * 1 + patches per batch item otherwise). Call `preflight` with side = T.
 */
export function clipRegionPeak(heads: number, bytesPerElement: number): AttentionPeak {
  return { side: 1, bytesPerElement, terms: [{ exponent: 2, elements: heads, node: `its self-attention (${heads} heads × tokens²)` }] };
}
