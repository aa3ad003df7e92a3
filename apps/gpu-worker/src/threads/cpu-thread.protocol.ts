import type { SamAmgSettings, SamGeometry, SamProposals } from '@refdiff/pipeline';

/** Messages between the CPU pool (main thread) and one of its threads; sessions are numbered by the pool. */
export type ToThread =
  | { readonly op: 'open'; readonly session: number; readonly geometry: SamGeometry; readonly settings: SamAmgSettings }
  | {
      readonly op: 'batch';
      readonly session: number;
      readonly firstPoint: number;
      readonly points: number;
      readonly iouScores: Float32Array;
      readonly lowResLogits: Float32Array;
    }
  | { readonly op: 'finish'; readonly session: number }
  | { readonly op: 'close'; readonly session: number };

/** A PipelineError (or any error) across the thread boundary: its code survives, so it maps to the same status. */
export interface ThreadError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

export type FromThread =
  | { readonly op: 'batchDone'; readonly session: number; readonly workMs: number; readonly error?: ThreadError }
  | {
      readonly op: 'finished';
      readonly session: number;
      readonly workMs: number;
      readonly proposals?: SamProposals;
      readonly error?: ThreadError;
    };

/**
 * `view` made ready to post without a structured-clone copy of a big buffer: a view over a SharedArrayBuffer is
 * posted as it is (shared, never detached: the replay runtime's recordings); a view spanning its whole buffer is
 * transferred (the sender must not use it again); a view into a larger buffer is copied first, so that buffer is
 * neither copied whole nor detached under its other users.
 */
export function forTransfer<T extends Float32Array | Uint8Array | Int32Array>(view: T, transfer: Set<ArrayBuffer>): T {
  if (typeof SharedArrayBuffer !== 'undefined' && view.buffer instanceof SharedArrayBuffer) return view;
  if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength) {
    transfer.add(view.buffer as ArrayBuffer);
    return view;
  }
  const copy = view.slice() as T;
  transfer.add(copy.buffer as ArrayBuffer);
  return copy;
}
