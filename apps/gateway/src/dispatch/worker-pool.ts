/**
 * What the dispatcher needs from the workers: run one Segment call for an image (routed by the image's sha256)
 * and report the pool's state. GrpcWorkerPool is the real one; tests may implement this directly.
 */
import type { SegmentOptions, SegmentResponse__Output } from '@refdiff/worker-contract';
import type { KnownPack } from '../segmentation/segment-options';

export interface WorkerTask {
  /** Propagated to the worker as x-request-id. */
  requestId: string;
  sha256: string;
  /** The workers' image-cache namespace for this call ('' = shared); see DispatcherOptions.imageCacheScope. */
  cacheNamespace?: string;
  /** Loads the image bytes; called only when the chosen worker does not hold the image. */
  loadImage(): Promise<Uint8Array>;
  expressions: readonly string[];
  options: SegmentOptions;
  deadlineMs: number;
  signal: AbortSignal;
}

export interface WorkerReply {
  worker: string;
  response: SegmentResponse__Output;
  sentImageBytes: boolean;
}

/** A worker's image cache (decoded images and their image-side state) as its GetInfo reports it. */
export interface WorkerCacheStats {
  entries: number;
  bytes: number;
  capacityBytes: number;
  hits: number;
  misses: number;
  /** hits / (hits + misses); null before the first lookup. */
  hitRate: number | null;
}

export interface WorkerState {
  target: string;
  healthy: boolean;
  inFlight: number;
  maxConcurrent: number | null;
  queueDepth: number | null;
  /** From the last successful health check; null before one (or when the worker reports none). */
  cache: WorkerCacheStats | null;
  packName: string | null;
  version: string | null;
  lastError: string | null;
  lastCheckedAt: Date | null;
}

/**
 * A failed worker call, classified: `retryable` failures (the worker was unreachable, overloaded, or timed out)
 * go back to the queue with backoff; the others fail the request with `code`.
 */
export class WorkerTaskError extends Error {
  override readonly name = 'WorkerTaskError';
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    readonly worker: string | null,
  ) {
    super(message);
  }
}

export interface WorkerPool {
  segment(task: WorkerTask): Promise<WorkerReply>;
  state(): WorkerState[];
  /**
   * The model packs the workers reported (limits from GetInfo, tokenizer from GetTokenizer), kept when a worker
   * goes down: `segment` checks requests against each, so nothing a worker would refuse is queued.
   */
  knownPacks?(): readonly KnownPack[];
  /** Total concurrent calls the pool accepts (the dispatcher claims up to this many requests' batches). */
  capacity(): number;
  close(): Promise<void>;
}
