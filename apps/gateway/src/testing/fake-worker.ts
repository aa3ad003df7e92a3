/**
 * An in-test SegmentationWorker that speaks the real refdiff.worker.v1 protocol over gRPC on 127.0.0.1:0 (the
 * contract's service definition, hash-first image cache, typed error trailers), with a stand-in for the model:
 * each expression's "mask" is a box derived from the expression text, so tests can check that every result
 * reached the request it belongs to. The real worker with the fixture pack is exercised in serve tests.
 * With `maxQueue` and a `delayMs` per call it also stands in for a GPU: calls beyond `maxConcurrent` wait in order
 * (as the real worker's limiter makes them), each held for its time; `drain()` behaves like the worker on SIGTERM.
 * The tests and `refdiff bench platform` use it.
 */
import { createHash } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { ClipTokenizer } from '@refdiff/nlp';
import { ERROR_CODE_METADATA_KEY, workerProto, type SegmentRequest__Output, type SegmentResponse } from '@refdiff/worker-contract';
import { probeImage } from '../images/image-probe';

export interface FakeCall {
  expressions: string[];
  sentBytes: boolean;
  sha256: string;
  cacheNamespace: string;
  requestId: string;
  options: SegmentRequest__Output['options'];
  /** performance.now() when the call got a slot (its "model" started) and when it answered; null while running. */
  startedAt: number;
  finishedAt: number | null;
}

export interface FakeWorkerOptions {
  /** Listen address (default 127.0.0.1:0); several stubs may share a port on different loopback addresses. */
  host?: string;
  port?: number;
  /** How long the "model" holds a call once it has a slot: fixed, or per call (e.g. per image + per expression). */
  delayMs?: number | ((call: { expressions: number; sentBytes: boolean }) => number);
  maxConcurrent?: number;
  /** Calls that wait for a slot, first come first served, before QUEUE_FULL (default 0: refuse at once). */
  maxQueue?: number;
  /** What GetInfo reports as the worker's own queue depth. */
  queueDepth?: number;
  /** Return this gRPC error for the next N Segment calls. */
  failNext?: { status: grpc.status; code: string; count: number; message?: string };
  /** Appended to every root word and per-expression error message (tests: text a real worker might send that the database cannot store). */
  textSuffix?: string;
  /** Report a model pack in GetInfo (pack_limits) and serve its tokenizer.json through GetTokenizer, as the real worker does. */
  pack?: { tokenizerJson: string; sdImageSize?: number; clipImageSize?: number; clipDynamicImageSize?: boolean; clipLayers?: number };
}

export interface FakeWorker {
  target: string;
  calls: FakeCall[];
  options: FakeWorkerOptions;
  inFlight(): number;
  /** Calls waiting for a slot. */
  queued(): number;
  /** Segment calls refused because the worker was draining. */
  refused(): number;
  /**
   * Like the real worker on SIGTERM: GetInfo and new calls answer UNAVAILABLE (DRAINING) at once, the calls
   * running or queued finish, then — after `graceMs` at least (REFDIFF_DRAIN_GRACE_MS) — the server stops.
   */
  drain(graceMs?: number): Promise<void>;
  /** What GetInfo reports about the image cache right now. */
  cacheStats(): { entries: number; bytes: number; capacityBytes: number; hits: number; misses: number };
  /** Kills the server at once (in-flight calls fail on the client side). */
  kill(): void;
  close(): Promise<void>;
}

/** The box the fake model answers for an expression in a width×height image. */
export function fakeBox(expression: string, width: number, height: number): [number, number, number, number] {
  const h = createHash('sha256').update(expression).digest();
  const x0 = h[0] % Math.max(1, width - 1);
  const y0 = h[1] % Math.max(1, height - 1);
  return [x0, y0, Math.min(width - 1, x0 + 1 + (h[2] % 8)), Math.min(height - 1, y0 + 1 + (h[3] % 8))];
}

/** The attention map the fake model answers with return_attention: 8×6, value (x + 8y) / 47, plus the expression's length mod 2 on (0, 0). */
export const FAKE_ATTENTION = { width: 8, height: 6 };
export function fakeAttentionValue(expression: string, x: number, y: number): number {
  return x === 0 && y === 0 ? (expression.length % 2) : (x + FAKE_ATTENTION.width * y) / (FAKE_ATTENTION.width * FAKE_ATTENTION.height - 1);
}
function fakeAttention(expression: string) {
  const { width, height } = FAKE_ATTENTION;
  const data = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.writeFloatLE(fakeAttentionValue(expression, x, y), (y * width + x) * 4);
  return { width, height, data };
}

export async function startFakeWorker(options: FakeWorkerOptions = {}): Promise<FakeWorker> {
  const cache = new Map<string, { width: number; height: number }>();
  const calls: FakeCall[] = [];
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  let draining = false;
  let refusedDraining = 0;
  const idle: (() => void)[] = [];
  const release = () => {
    inFlight -= 1;
    const next = waiting.shift();
    if (next) {
      inFlight += 1;
      next();
    }
    if (inFlight === 0 && waiting.length === 0) for (const f of idle.splice(0)) f();
  };
  // Image cache lookups by hash, as GetInfo reports them.
  let hits = 0;
  let misses = 0;
  const cacheStats = () => ({ entries: cache.size, bytes: cache.size * 1000, capacityBytes: 1 << 20, hits, misses });
  const tokenizer = options.pack
    ? (() => {
        const json = options.pack.tokenizerJson;
        const t = ClipTokenizer.fromJson(json);
        return { sha256: createHash('sha256').update(json).digest('hex'), tokenizerJson: json, contextLength: t.contextLength, startId: t.startId, endId: t.endId };
      })()
    : null;
  const server = new grpc.Server();
  server.addService(workerProto().SegmentationWorker.service, {
    Segment(call: grpc.ServerUnaryCall<SegmentRequest__Output, SegmentResponse>, callback: grpc.sendUnaryData<SegmentResponse>) {
      const req = call.request;
      const fail = (status: grpc.status, code: string, details: string) => {
        const md = new grpc.Metadata();
        md.set(ERROR_CODE_METADATA_KEY, code);
        callback({ code: status, details, metadata: md });
      };
      if (draining) {
        refusedDraining += 1;
        return fail(grpc.status.UNAVAILABLE, 'DRAINING', 'worker is shutting down');
      }
      if (options.failNext && options.failNext.count > 0) {
        options.failNext.count -= 1;
        fail(options.failNext.status, options.failNext.code, options.failNext.message ?? 'injected failure');
        return;
      }
      let sha: string;
      // Keyed like the real worker: (cache_namespace, sha256).
      const ns = req.cacheNamespace ?? '';
      if (req.image === 'imageData' && req.imageData) {
        const header = probeImage(req.imageData);
        if (!header) return fail(grpc.status.INVALID_ARGUMENT, 'INVALID_IMAGE', 'not an image');
        sha = createHash('sha256').update(req.imageData).digest('hex');
        cache.set(`${ns}/${sha}`, header);
      } else {
        sha = req.imageSha256 ?? '';
        if (!cache.has(`${ns}/${sha}`)) {
          misses += 1;
          return fail(grpc.status.FAILED_PRECONDITION, 'IMAGE_NOT_CACHED', 'image not cached');
        }
        hits += 1;
      }
      const max = options.maxConcurrent ?? 4;
      if (inFlight >= max && waiting.length >= (options.maxQueue ?? 0)) return fail(grpc.status.RESOURCE_EXHAUSTED, 'QUEUE_FULL', 'busy');
      const { width, height } = cache.get(`${ns}/${sha}`) as { width: number; height: number };
      const sentBytes = req.image === 'imageData';
      const delay = typeof options.delayMs === 'function' ? options.delayMs({ expressions: req.expressions.length, sentBytes }) : (options.delayMs ?? 0);
      let timer: NodeJS.Timeout | undefined;
      let record: FakeCall | undefined;
      const start = () => {
        // Only calls the "model" actually computes are recorded.
        record = {
          expressions: [...req.expressions],
          sentBytes,
          sha256: sha,
          cacheNamespace: ns,
          requestId: String(call.metadata.get('x-request-id')[0] ?? ''),
          options: req.options,
          startedAt: performance.now(),
          finishedAt: null,
        };
        calls.push(record);
        timer = setTimeout(answer, delay);
      };
      // Like the real worker, a cancelled call frees its slot (or its place in the queue) at once.
      const onCancel = () => {
        if (timer) {
          clearTimeout(timer);
          release();
        } else {
          const i = waiting.indexOf(start);
          if (i >= 0) waiting.splice(i, 1);
          if (inFlight === 0 && waiting.length === 0) for (const f of idle.splice(0)) f();
        }
      };
      call.once('cancelled', onCancel);
      const answer = () => {
        call.removeListener('cancelled', onCancel);
        if (record) record.finishedAt = performance.now();
        release();
        callback(null, {
          image: { width, height, sha256: sha },
          results: req.expressions.map((expression) => {
            const suffix = options.textSuffix ?? '';
            if (expression.startsWith('!fail')) return { expression, error: { code: 'EXPRESSION_EMPTY', message: `no noun${suffix}` } };
            const [x0, y0, x1, y1] = fakeBox(expression, width, height);
            return {
              expression,
              result: {
                mask: { rle: { height, width, counts: `fake:${expression}` }, bbox: { x0, y0, x1, y1 }, area: (x1 - x0 + 1) * (y1 - y0 + 1) },
                chosen: 0,
                score: 0.5,
                proposals: [{ generative: 0.1, hard: 0.2, soft: 0.3, fused: 0.5, bbox: { x0, y0, x1, y1 }, area: 1, filtered: false }],
                root: { index: 0, word: (expression.split(' ').pop() ?? '') + suffix },
                directions: [],
                timingsMs: { unet: 5, clip: 3 },
                ...(req.options?.returnAttention ? { attention: fakeAttention(expression) } : {}),
              },
            };
          }),
          timingsMs: req.image === 'imageData' ? { vae: 10 } : {},
          requestId: String(call.metadata.get('x-request-id')[0] ?? ''),
        });
      };
      if (inFlight < max) {
        inFlight += 1;
        start();
      } else waiting.push(start);
    },
    GetInfo(_call: unknown, callback: grpc.sendUnaryData<object>) {
      if (draining) {
        const md = new grpc.Metadata();
        md.set(ERROR_CODE_METADATA_KEY, 'DRAINING');
        return callback({ code: grpc.status.UNAVAILABLE, details: 'worker is shutting down', metadata: md });
      }
      callback(null, {
        packName: 'fake',
        maxConcurrent: options.maxConcurrent ?? 4,
        maxQueue: options.maxQueue ?? 0,
        queueDepth: options.queueDepth ?? waiting.length,
        version: 'test',
        cache: cacheStats(),
        ...(tokenizer && options.pack
          ? {
              packLimits: {
                sdImageSize: options.pack.sdImageSize ?? 512,
                clipImageSize: options.pack.clipImageSize ?? 224,
                clipDynamicImageSize: options.pack.clipDynamicImageSize ?? true,
                clipLayers: options.pack.clipLayers ?? 12,
                contextLength: tokenizer.contextLength,
                tokenizerSha256: tokenizer.sha256,
              },
            }
          : {}),
      });
    },
    GetTokenizer(_call: unknown, callback: grpc.sendUnaryData<object>) {
      if (!tokenizer) callback({ code: grpc.status.NOT_FOUND, details: 'no tokenizer' });
      else callback(null, tokenizer);
    },
  });
  const host = options.host ?? '127.0.0.1';
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${options.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  return {
    target: `${host}:${port}`,
    calls,
    options,
    inFlight: () => inFlight,
    queued: () => waiting.length,
    refused: () => refusedDraining,
    drain: async (graceMs = 0) => {
      draining = true;
      const grace = new Promise((r) => setTimeout(r, graceMs));
      if (inFlight > 0 || waiting.length > 0) await new Promise<void>((r) => idle.push(r));
      await grace;
      await new Promise<void>((r) => server.tryShutdown(() => r()));
    },
    cacheStats,
    kill: () => server.forceShutdown(),
    close: () => new Promise((r) => server.tryShutdown(() => r())),
  };
}
