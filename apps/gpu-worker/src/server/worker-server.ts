import { createHash, randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, protoPath as healthProtoPath } from 'grpc-health-check';
import type { Logger } from 'pino';
import { MAX_EXPRESSION_CHARS, type RefDiff } from '@refdiff/pipeline';
import {
  PROTO_LOADER_OPTIONS,
  REQUEST_ID_METADATA_KEY,
  SEGMENTATION_WORKER_SERVICE,
  workerPackageDefinition,
  workerProto,
  type GetInfoResponse,
  type GetTokenizerResponse,
  type PackLimits,
  type SegmentRequest__Output,
  type SegmentResponse,
} from '@refdiff/worker-contract';
import { ConcurrencyLimiter } from './concurrency-limiter';
import { validateSegmentRequest } from './segment-request';
import { toSegmentResponse } from './segment-response';
import { WorkerError, toStatusError } from './worker.errors';
import { WorkerMetrics } from './worker-metrics';

export type EngineSource = RefDiff | Promise<RefDiff> | (() => Promise<RefDiff>);

export interface WorkerServerOptions {
  /** The engine, or its loader: health stays NOT_SERVING until it resolves. */
  engine: EngineSource;
  logger: Logger;
  limits: { concurrency: number; maxQueue: number; maxImageBytes: number; maxExpressions: number };
  maxMessageBytes: number;
  executionProvider: string;
  version: string;
  metrics?: WorkerMetrics;
}

export type WorkerState = 'loading' | 'serving' | 'draining' | 'stopped' | 'failed';

export interface WorkerServer {
  /** Binds host:port (port 0 = any) and starts serving; resolves with the bound port. */
  listen(address: string): Promise<number>;
  /** Resolves when the engine is loaded and health is SERVING; rejects if loading failed. */
  readonly ready: Promise<RefDiff>;
  readonly state: WorkerState;
  readonly metrics: WorkerMetrics;
  readonly limiter: ConcurrencyLimiter;
  /**
   * Health NOT_SERVING and new calls refused (UNAVAILABLE, DRAINING) at once; after `graceMs` (time for health
   * watchers and load balancers to move away) the server closes; in-flight and queued calls finish (at most
   * timeoutMs in all, then they are cancelled); the engine is disposed.
   */
  drain(timeoutMs: number, graceMs?: number): Promise<void>;
}

const HEALTH_SERVICES = ['', SEGMENTATION_WORKER_SERVICE] as const;

function requestIdOf(metadata: grpc.Metadata): string {
  const v = metadata.get(REQUEST_ID_METADATA_KEY)[0];
  return typeof v === 'string' && /^[\w.:-]{1,128}$/.test(v) ? v : randomUUID();
}

function statusName(code: grpc.status): string {
  return grpc.status[code] ?? String(code);
}

export function createWorkerServer(options: WorkerServerOptions): WorkerServer {
  const log = options.logger.child({ component: 'grpc' });
  const metrics = options.metrics ?? new WorkerMetrics();
  const limiter = new ConcurrencyLimiter(options.limits.concurrency, options.limits.maxQueue);
  const health = new HealthImplementation(Object.fromEntries(HEALTH_SERVICES.map((s) => [s, 'NOT_SERVING'])));
  const setHealth = (status: 'SERVING' | 'NOT_SERVING') => {
    for (const s of HEALTH_SERVICES) health.setStatus(s, status);
  };

  let state: WorkerState = 'loading';
  let engine: RefDiff | undefined;
  const source = options.engine;
  const ready: Promise<RefDiff> = (typeof source === 'function' ? source() : Promise.resolve(source)).then(
    (e) => {
      if (state === 'loading') {
        engine = e;
        state = 'serving';
        setHealth('SERVING');
      } else {
        void e.dispose(); // drain began while loading: never serve it
      }
      return e;
    },
    (err: unknown) => {
      if (state === 'loading') state = 'failed';
      throw err;
    },
  );
  ready.catch(() => undefined); // the caller observes failures through `ready`; avoid an unhandled rejection here

  metrics.bind({
    queueDepth: () => limiter.queueDepth,
    inFlight: () => limiter.inFlight,
    cache: () => engine?.cacheStats(),
  });

  const server = new grpc.Server({
    'grpc.max_receive_message_length': options.maxMessageBytes,
    'grpc.max_send_message_length': options.maxMessageBytes,
  });

  // the tokenizer.json and its sha256, computed once per engine
  const tokenizers = new WeakMap<RefDiff, GetTokenizerResponse & { sha256: string }>();
  function tokenizerOf(e: RefDiff): GetTokenizerResponse & { sha256: string } {
    let t = tokenizers.get(e);
    if (!t && e.pack) {
      const { json, contextLength, startId, endId } = e.pack.tokenizer;
      t = { sha256: createHash('sha256').update(json, 'utf8').digest('hex'), tokenizerJson: json, contextLength, startId, endId };
      tokenizers.set(e, t);
    }
    if (!t) throw new WorkerError('NO_TOKENIZER', 'this engine has no tokenizer to share');
    return t;
  }

  function packLimitsMessage(e: RefDiff): PackLimits {
    const { sdImageSize, clipImageSize, clipDynamicImageSize, clipLayers } = e.pack!.limits;
    const { contextLength, sha256 } = tokenizerOf(e);
    return { sdImageSize, clipImageSize, clipDynamicImageSize, clipLayers, contextLength, tokenizerSha256: sha256 };
  }

  function available(): RefDiff {
    if (state === 'draining' || state === 'stopped') throw new WorkerError('DRAINING', 'worker is shutting down');
    if (!engine || state !== 'serving') throw new WorkerError('NOT_READY', 'models are still loading');
    return engine;
  }

  async function segment(
    call: grpc.ServerUnaryCall<SegmentRequest__Output, SegmentResponse>,
    requestId: string,
    signal: AbortSignal,
    reqLog: Logger,
  ): Promise<SegmentResponse> {
    const e = available();
    const valid = validateSegmentRequest(call.request, options.limits, e.pack?.limits);
    // Hash-first: answer a miss before taking a queue slot, so the resend is the only real work.
    if ('sha256' in valid.input && !e.hasImage(valid.input.sha256, valid.input.cacheNamespace)) {
      throw new WorkerError('IMAGE_NOT_CACHED', `image ${valid.input.sha256} is not cached; resend with image_data`);
    }
    const queuedAt = performance.now();
    const release = await limiter.acquire(signal);
    try {
      signal.throwIfAborted(); // the slot may reach a waiter whose caller has just gone
      metrics.stageSeconds.observe({ stage: 'queue_wait' }, (performance.now() - queuedAt) / 1000);
      reqLog.debug({ expressions: valid.expressions.length, waitedMs: performance.now() - queuedAt }, 'segment start');
      const result = await e.segment(valid.input, valid.expressions, { ...valid.options, signal });
      metrics.imageCache.inc({ result: result.imageCacheHit ? 'hit' : 'miss' });
      metrics.observeStages(result.timingsMs);
      for (const [role, n] of Object.entries(result.modelCalls)) if (n > 0) metrics.modelCalls.inc({ role }, n);
      for (const r of result.results) {
        metrics.expressions.inc({ outcome: r.ok ? 'ok' : 'error' });
        if (r.ok) metrics.observeStages(r.timingsMs);
      }
      return toSegmentResponse(result, requestId);
    } finally {
      release();
    }
  }

  function unary<Req, Res>(
    method: string,
    run: (
      call: grpc.ServerUnaryCall<Req, Res>,
      requestId: string,
      signal: AbortSignal,
      reqLog: Logger,
    ) => Promise<Res>,
  ) {
    return (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => {
      const started = performance.now();
      const requestId = requestIdOf(call.metadata);
      const reqLog = log.child({ requestId, method });
      // Deadlines and client cancellation reach the pipeline as one AbortSignal.
      const controller = new AbortController();
      const deadline = call.getDeadline();
      const deadlineMs = deadline instanceof Date ? deadline.getTime() : deadline;
      const timer = Number.isFinite(deadlineMs)
        ? setTimeout(
            () => controller.abort(new WorkerError('DEADLINE_EXCEEDED', 'deadline exceeded')),
            Math.max(0, deadlineMs - Date.now()),
          )
        : undefined;
      const onCancelled = () => {
        const expired = Number.isFinite(deadlineMs) && Date.now() >= deadlineMs - 5;
        controller.abort(
          expired
            ? new WorkerError('DEADLINE_EXCEEDED', 'deadline exceeded')
            : new WorkerError('CANCELLED', 'cancelled by the client'),
        );
      };
      call.once('cancelled', onCancelled);
      const finish = (code: grpc.status) => {
        clearTimeout(timer);
        call.removeListener('cancelled', onCancelled);
        metrics.requests.inc({ method, code: statusName(code) });
        metrics.requestSeconds.observe({ method }, (performance.now() - started) / 1000);
      };
      run(call, requestId, controller.signal, reqLog).then(
        (res) => {
          finish(grpc.status.OK);
          reqLog.info({ code: 'OK', ms: Math.round(performance.now() - started) }, 'call done');
          callback(null, res);
        },
        (err: unknown) => {
          const mapped = toStatusError(err, { signal: controller.signal, requestId });
          finish(mapped.error.code);
          const fields = { code: statusName(mapped.error.code), refdiffCode: mapped.refdiffCode };
          if (mapped.internal) reqLog.error({ ...fields, err }, 'call failed');
          else reqLog.info({ ...fields, details: mapped.error.details }, 'call failed');
          callback(mapped.error);
        },
      );
    };
  }

  server.addService(workerProto().SegmentationWorker.service, {
    Segment: unary<SegmentRequest__Output, SegmentResponse>('Segment', segment),
    GetInfo: unary<unknown, GetInfoResponse>('GetInfo', async () => {
      const e = available();
      const cache = e.cacheStats();
      return {
        packName: e.packName,
        packChecksum: e.packChecksum,
        executionProvider: options.executionProvider,
        maxConcurrent: limiter.maxConcurrent,
        maxQueue: limiter.maxQueue,
        queueDepth: limiter.queueDepth,
        inFlight: limiter.inFlight,
        cache: { ...cache },
        version: options.version,
        maxExpressions: options.limits.maxExpressions,
        maxImageBytes: options.limits.maxImageBytes,
        maxMessageBytes: options.maxMessageBytes,
        maxExpressionChars: MAX_EXPRESSION_CHARS,
        ...(e.pack ? { packLimits: packLimitsMessage(e) } : {}),
      };
    }),
    GetTokenizer: unary<unknown, GetTokenizerResponse>('GetTokenizer', async () => {
      const e = available();
      if (!e.pack) throw new WorkerError('NO_TOKENIZER', 'this engine has no tokenizer to share');
      return tokenizerOf(e);
    }),
  });
  health.addToServer(server);
  // Reflection over the worker's and the health service's descriptors, so grpcurl/grpcui need no .proto files.
  const healthDefinition = protoLoader.loadSync(healthProtoPath, PROTO_LOADER_OPTIONS);
  new ReflectionService({ ...workerPackageDefinition(), ...healthDefinition }).addToServer(server);

  let drained: Promise<void> | undefined;

  return {
    ready,
    metrics,
    limiter,
    get state() {
      return state;
    },
    listen(address) {
      return new Promise<number>((resolve, reject) => {
        server.bindAsync(address, grpc.ServerCredentials.createInsecure(), (err, port) =>
          err ? reject(err) : resolve(port),
        );
      });
    },
    drain(timeoutMs, graceMs = 0) {
      drained ??= (async () => {
        state = 'draining';
        setHealth('NOT_SERVING');
        log.info({ inFlight: limiter.inFlight, queued: limiter.queueDepth, timeoutMs, graceMs }, 'draining');
        const started = Date.now();
        if (graceMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(graceMs, timeoutMs)));
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            log.warn({ inFlight: limiter.inFlight, queued: limiter.queueDepth }, 'drain timed out; cancelling calls');
            server.forceShutdown();
            resolve();
          }, Math.max(0, timeoutMs - (Date.now() - started)));
          server.tryShutdown(() => {
            clearTimeout(timer);
            resolve();
          });
        });
        if (engine) await engine.dispose();
        state = 'stopped';
        log.info('stopped');
      })();
      return drained;
    },
  };
}
