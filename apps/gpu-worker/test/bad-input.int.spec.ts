import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerCallError, type SegmentRequest } from '@refdiff/worker-contract';
import { ColourEngine, syntheticScene } from './support/colour-engine';
import { startTestWorker } from './support/test-worker';

const scene = syntheticScene(16, 16, { red: [2, 2, 8, 8] });
const engine = new ColourEngine();
let w: Awaited<ReturnType<typeof startTestWorker>>;

beforeAll(async () => {
  w = await startTestWorker(engine, { maxImageBytes: 64 * 1024, maxExpressions: 64 });
  await w.server.ready;
});
afterAll(() => w.close());

async function rejection(request: SegmentRequest): Promise<WorkerCallError> {
  const err = await w.client.segmentRaw(request).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkerCallError);
  return err as WorkerCallError;
}

describe('bad input over the wire', () => {
  const cases: [string, () => SegmentRequest, string, RegExp][] = [
    ['garbage bytes', () => ({ imageData: randomBytes(2_000), expressions: ['red'] }), 'INVALID_IMAGE', /PPM/],
    [
      'an image over the size limit',
      () => ({ imageData: Buffer.alloc(100 * 1024, 7), expressions: ['red'] }),
      'IMAGE_TOO_LARGE',
      /102400 bytes; the limit is 65536/,
    ],
    ['zero expressions', () => ({ imageData: scene.bytes, expressions: [] }), 'INVALID_ARGUMENT', /at least one/],
    [
      '1,000 expressions',
      () => ({ imageData: scene.bytes, expressions: Array.from({ length: 1_000 }, (_, i) => `red ${i}`) }),
      'INVALID_ARGUMENT',
      /1000 expressions; at most 64/,
    ],
    [
      'an unknown preset',
      () => ({ imageData: scene.bytes, expressions: ['red'], options: { preset: 7 as never } }),
      'INVALID_ARGUMENT',
      /options\.preset: unknown value 7/,
    ],
    [
      'NaN overrides',
      () => ({ imageData: scene.bytes, expressions: ['red'], options: { overrides: { alpha: NaN, strength: NaN } } }),
      'INVALID_ARGUMENT',
      /alpha must be in \[0, 1\], got NaN.*strength must be in \(0, 1\], got NaN/,
    ],
    [
      'an out-of-range override and an unknown override enum',
      () => ({
        imageData: scene.bytes,
        expressions: ['red'],
        options: { overrides: { imageSize: 100, positionalBias: 42 as never } },
      }),
      'INVALID_ARGUMENT',
      /image_size must be a multiple of 64.*positional_bias: unknown value 42/,
    ],
    ['no image', () => ({ expressions: ['red'] }), 'INVALID_ARGUMENT', /image_data or image_sha256/],
    ['a malformed sha256', () => ({ imageSha256: 'xyz', expressions: ['red'] }), 'INVALID_ARGUMENT', /64 hex/],
  ];

  it.each(cases)('%s → INVALID_ARGUMENT with a message', async (_name, request, code, message) => {
    const err = await rejection(request());
    expect(err.status).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.code).toBe(code);
    expect(err.message).toMatch(message);
  });

  it('never reaches the engine with a bad request, and the worker stays up', async () => {
    const before = engine.inputs.length;
    for (const [, request] of cases) if (cases[0][1] !== request) await rejection(request());
    expect(engine.inputs.length).toBe(before);
    expect(await w.health()).toBe('SERVING');
    const { response } = await w.client.segment(scene.bytes, ['red', '']);
    expect(response.results.map((r) => r.outcome)).toEqual(['result', 'error']);
    expect(response.results[1].error?.code).toBe('EXPRESSION_EMPTY');
  });

  it('a message over the transport limit is refused by gRPC itself with RESOURCE_EXHAUSTED', async () => {
    const err = await rejection({ imageData: Buffer.alloc(5 * 1024 * 1024), expressions: ['red'] });
    expect(err.status).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(await w.health()).toBe('SERVING');
  });
});
