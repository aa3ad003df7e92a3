import type { SamGeometry } from '../sam/sam-geometry';
import type { SamAmgSettings } from '../sam/sam-mask-generator';
import type { SamDecodeResult } from './ref-diff-models';

/** SAM's proposals for one image, at image resolution, in SAM's output order (predicted IoU, highest first). */
export interface SamProposals {
  readonly masks: Uint8Array[];
  readonly areas: number[];
  readonly boxes: [number, number, number, number][];
  /** each mask's runs of 1s (maskRuns), for the per-expression generative scores */
  readonly runs: Int32Array[];
  /** counts per AMG stage */
  readonly stages: { decoded: number; passedIou: number; passedStability: number; kept: number };
}

/**
 * One image's SAM post-processing (the automatic mask generator after the decoder): decoder batches in, proposals
 * out. Where the work runs is the implementation's business — on the caller's thread (`inlineSamPostProcessor`) or
 * on a worker thread (the GPU worker's pool) — the proposals are the same bytes.
 */
export interface SamPostSession {
  /**
   * Hands over one decoder batch, in point order. Resolves when the session can take the next one — at once while
   * fewer than the implementation's bound of batches wait — so the caller can issue the next decoder call while this
   * one is processed. The batch's buffers may be transferred to another thread: the caller must not read them
   * afterwards. A batch's error (NaN logits: INVALID_VALUE) rejects this or a later addBatch, or finish.
   */
  addBatch(decoded: SamDecodeResult, firstPoint: number): Promise<void>;
  /**
   * Optional: a buffer for the next decoder batch's lowResLogits ([points, 3, S, S]) that `addBatch` reads where it
   * is — the decoder writes its output there (RefDiffModels.decodeSamPoints' `lowResLogitsInto`) and post-processing
   * copies nothing in. Null when none is free. The caller gives it back with `giveBack` after `addBatch` of that
   * batch, or when the decoder call failed; `close` takes back any still out. (The inline processor lends buffers in
   * its WebAssembly kernels' memory; a processor on other threads does not.)
   */
  lendLowResLogits?(points: number): Float32Array | null;
  giveBack?(data: Float32Array): void;
  /**
   * Everything fed so far → the proposals, and `workMs`: the time spent post-processing (of the thread that did it;
   * queueing excluded), reported as the request's `samPostMs`.
   */
  finish(): Promise<{ proposals: SamProposals; workMs: number }>;
  /** Drops the session's state (after an abort or an error); idempotent, harmless after finish. */
  close(): void;
}

/** Opens SAM post-processing sessions (RefDiffConfig.samPostProcessor; default inline). */
export interface SamPostProcessor {
  open(geometry: SamGeometry, settings: SamAmgSettings): SamPostSession;
}
