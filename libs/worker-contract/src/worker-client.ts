import { createHash } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { GetInfoResponse__Output } from './__generated__/refdiff/worker/v1/GetInfoResponse';
import type { GetTokenizerResponse__Output } from './__generated__/refdiff/worker/v1/GetTokenizerResponse';
import type { SegmentOptions } from './__generated__/refdiff/worker/v1/SegmentOptions';
import type { SegmentRequest } from './__generated__/refdiff/worker/v1/SegmentRequest';
import type { SegmentResponse__Output } from './__generated__/refdiff/worker/v1/SegmentResponse';
import type { SegmentationWorkerClient } from './__generated__/refdiff/worker/v1/SegmentationWorker';
import {
  ERROR_CODE_METADATA_KEY,
  REQUEST_ID_METADATA_KEY,
  SEGMENTATION_WORKER_SERVICE,
  workerProto,
} from './worker-proto';

/**
 * Channel options for one client over a pool of workers: round-robin over every address of the target (a static
 * `ipv4:a:p1,b:p2` list or a `dns:` name with several records) and transparent retries of calls that fail with
 * UNAVAILABLE (a worker that died, is still loading or is draining) on another worker. Segment is a pure function
 * of its request, so a retry is safe.
 */
export function workerPoolChannelOptions(maxAttempts = 3): grpc.ChannelOptions {
  return {
    'grpc.service_config': JSON.stringify({
      loadBalancingConfig: [{ round_robin: {} }],
      methodConfig: [
        {
          name: [{ service: SEGMENTATION_WORKER_SERVICE }],
          retryPolicy: {
            maxAttempts,
            initialBackoff: '0.05s',
            maxBackoff: '0.5s',
            backoffMultiplier: 2,
            retryableStatusCodes: ['UNAVAILABLE'],
          },
        },
      ],
    }),
  };
}

/** `ipv4:` target for a list of `a.b.c.d:port` addresses (for names, use a `dns:` target). */
export function poolTarget(addresses: readonly string[]): string {
  if (addresses.length === 0) throw new RangeError('a worker pool needs at least one address');
  return `ipv4:${addresses.join(',')}`;
}

export interface WorkerClientOptions {
  /** Default: insecure (the worker pool lives on a private network). */
  credentials?: grpc.ChannelCredentials;
  /** Deadline of a call when the caller gives none; default 60 s. */
  defaultDeadlineMs?: number;
  /** Largest message sent or received; default 64 MiB. */
  maxMessageBytes?: number;
  /** Extra channel options (keepalive…; `workerPoolChannelOptions()` for a pool). */
  channelOptions?: grpc.ChannelOptions;
}

export interface WorkerCallOptions {
  /** Whole-call deadline in ms, covering the hash-first retry. */
  deadlineMs?: number;
  signal?: AbortSignal;
  requestId?: string;
}

export interface SegmentCallOptions extends WorkerCallOptions {
  /** Send the sha256 first and the bytes only on IMAGE_NOT_CACHED (default true). */
  hashFirst?: boolean;
}

export interface SegmentCallResult {
  response: SegmentResponse__Output;
  /** Whether the image bytes went over the wire (false when the worker had the image cached). */
  sentImageBytes: boolean;
  /** Calls made: 1, or 2 after an IMAGE_NOT_CACHED miss. */
  attempts: number;
}

/** A failed worker call: the gRPC status plus the refdiff error code from the trailers, when the worker set one. */
export class WorkerCallError extends Error {
  override readonly name = 'WorkerCallError';
  constructor(
    readonly status: grpc.status,
    /** e.g. IMAGE_NOT_CACHED, QUEUE_FULL, IMAGE_TOO_LARGE, INVALID_ARGUMENT; undefined when the worker sent none */
    readonly code: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  static from(err: grpc.ServiceError): WorkerCallError {
    const value = err.metadata?.get(ERROR_CODE_METADATA_KEY)[0];
    const code = typeof value === 'string' ? value : undefined;
    return new WorkerCallError(err.code, code, err.details || err.message, { cause: err });
  }
}

export interface WorkerClient {
  readonly target: string;
  /** Segment one image, hash-first by default: the bytes travel only when the worker does not hold the image. */
  segment(
    image: Uint8Array,
    expressions: readonly string[],
    options?: SegmentOptions,
    call?: SegmentCallOptions,
  ): Promise<SegmentCallResult>;
  /** One raw Segment call with exactly this request (no hash-first logic). */
  segmentRaw(request: SegmentRequest, call?: WorkerCallOptions): Promise<SegmentResponse__Output>;
  getInfo(call?: WorkerCallOptions): Promise<GetInfoResponse__Output>;
  /** The pack's tokenizer.json (for checking expressions against the token limit before sending them). */
  getTokenizer(call?: WorkerCallOptions): Promise<GetTokenizerResponse__Output>;
  /** The generated grpc-js client, for anything else. */
  readonly grpcClient: SegmentationWorkerClient;
  close(): void;
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A typed client for one worker target (or a multi-address target with a load-balancing service config). */
export function createWorkerClient(target: string, options: WorkerClientOptions = {}): WorkerClient {
  const maxMessageBytes = options.maxMessageBytes ?? 64 * 1024 * 1024;
  const defaultDeadlineMs = options.defaultDeadlineMs ?? 60_000;
  const Ctor = workerProto().SegmentationWorker;
  const grpcClient = new Ctor(target, options.credentials ?? grpc.credentials.createInsecure(), {
    'grpc.max_send_message_length': maxMessageBytes,
    'grpc.max_receive_message_length': maxMessageBytes,
    ...options.channelOptions,
  });

  function unary<Req, Res>(
    method: 'segment' | 'getInfo' | 'getTokenizer',
    request: Req,
    call: WorkerCallOptions,
    deadline: Date,
  ): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      if (call.signal?.aborted) {
        reject(new WorkerCallError(grpc.status.CANCELLED, 'ABORTED', 'cancelled by the caller'));
        return;
      }
      const metadata = new grpc.Metadata();
      if (call.requestId) metadata.set(REQUEST_ID_METADATA_KEY, call.requestId);
      const fn = grpcClient[method] as unknown as (
        req: Req,
        md: grpc.Metadata,
        opts: grpc.CallOptions,
        cb: (err: grpc.ServiceError | null, res?: Res) => void,
      ) => grpc.ClientUnaryCall;
      const onAbort = () => handle.cancel();
      const handle = fn.call(grpcClient, request, metadata, { deadline }, (err, res) => {
        call.signal?.removeEventListener('abort', onAbort);
        if (err) reject(WorkerCallError.from(err));
        else resolve(res as Res);
      });
      call.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  const deadlineOf = (call: WorkerCallOptions) => new Date(Date.now() + (call.deadlineMs ?? defaultDeadlineMs));

  return {
    target,
    grpcClient,
    async segment(image, expressions, segmentOptions, call = {}) {
      const deadline = deadlineOf(call);
      const base = { expressions: [...expressions], options: segmentOptions ?? null };
      if (call.hashFirst === false) {
        const response = await unary<SegmentRequest, SegmentResponse__Output>(
          'segment',
          { ...base, imageData: image },
          call,
          deadline,
        );
        return { response, sentImageBytes: true, attempts: 1 };
      }
      try {
        const response = await unary<SegmentRequest, SegmentResponse__Output>(
          'segment',
          { ...base, imageSha256: sha256Hex(image) },
          call,
          deadline,
        );
        return { response, sentImageBytes: false, attempts: 1 };
      } catch (err) {
        if (!(err instanceof WorkerCallError && err.code === 'IMAGE_NOT_CACHED')) throw err;
      }
      const response = await unary<SegmentRequest, SegmentResponse__Output>(
        'segment',
        { ...base, imageData: image },
        call,
        deadline,
      );
      return { response, sentImageBytes: true, attempts: 2 };
    },
    segmentRaw(request, call = {}) {
      return unary<SegmentRequest, SegmentResponse__Output>('segment', request, call, deadlineOf(call));
    },
    getInfo(call = {}) {
      return unary<object, GetInfoResponse__Output>('getInfo', {}, call, deadlineOf(call));
    },
    getTokenizer(call = {}) {
      return unary<object, GetTokenizerResponse__Output>('getTokenizer', {}, call, deadlineOf(call));
    },
    close() {
      grpcClient.close();
    },
  };
}
