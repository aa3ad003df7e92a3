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
      /options\.overrides\.alpha: must be a number in \[0, 1\], got NaN.*options\.overrides\.strength: must be a number in \(0, 1\), got NaN/,
    ],
    [
      'an out-of-range override and an unknown override enum',
      () => ({
        imageData: scene.bytes,
        expressions: ['red'],
        options: { overrides: { imageSize: 100, positionalBias: 42 as never } },
      }),
      'INVALID_ARGUMENT',
      /positional_bias: unknown value 42.*options\.overrides\.image_size: must be a multiple of 64/,
    ],
    // issue 14 D10: what the gateway now refuses too, with the same shared validation
    [
      'strength 1',
      () => ({ imageData: scene.bytes, expressions: ['red'], options: { overrides: { strength: 1 } } }),
      'INVALID_ARGUMENT',
      /options\.overrides\.strength: must be a number in \(0, 1\), got 1/,
    ],
    [
      'steps 1000 (100 UNet passes at the default strength)',
      () => ({ imageData: scene.bytes, expressions: ['red'], options: { overrides: { steps: 1000 } } }),
      'INVALID_ARGUMENT',
      /options\.overrides\.steps: ⌊strength × steps⌋ must give 1 to 8 UNet passes/,
    ],
    [
      'fusion weights all 0',
      () => ({ imageData: scene.bytes, expressions: ['red'], options: { overrides: { weights: { hard: 0, soft: 0, generative: 0 } } } }),
      'INVALID_ARGUMENT',
      /options\.overrides\.weights: at least one of hard, soft, generative must be > 0/,
    ],
    [
      'fusion weights ±1e308',
      () => ({ imageData: scene.bytes, expressions: ['red'], options: { overrides: { weights: { hard: 1e308, soft: -1e308, generative: 0 } } } }),
      'INVALID_ARGUMENT',
      /options\.overrides\.weights\.hard: must be a number in \[0, 100\].*options\.overrides\.weights\.soft/,
    ],
    [
      'text weights both 0 and an unknown bias branch',
      () => ({
        imageData: scene.bytes,
        expressions: ['red'],
        options: { overrides: { hardText: { sentence: 0, root: 0 }, biasBranch: 9 as never } },
      }),
      'INVALID_ARGUMENT',
      /options\.overrides\.bias_branch: unknown value 9.*options\.overrides\.hard_text: at least one of sentence, root/,
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
