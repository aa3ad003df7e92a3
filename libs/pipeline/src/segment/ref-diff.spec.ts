import { crc32, deflateSync } from 'node:zlib';
import { clipFixtureTokenizerJson } from '@refdiff/nlp/testing';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeRle } from '../masks/coco-rle';
import { maskArea, maskBox, maskIou } from '../masks/binary-mask';
import type { RefDiffModels } from '../ports/ref-diff-models';
import type { SamPostProcessor } from '../ports/sam-post-processor';
import { createRefDiff } from './ref-diff';
import { SamPostJob } from './sam-post';
import type { ExpressionResult, SegmentResult } from './segment.types';
import { createToyModels } from './testing/toy-models';

const W = 64;
const H = 48;
/** grey scene: red disc on the left, blue square on the right, red square bottom right */
function scene(): { rgb: Uint8Array; masks: Record<string, Uint8Array> } {
  const rgb = new Uint8Array(W * H * 3).fill(128);
  const masks: Record<string, Uint8Array> = { redDisc: new Uint8Array(W * H), blue: new Uint8Array(W * H), redSquare: new Uint8Array(W * H) };
  const paint = (name: string, c: number[], inside: (x: number, y: number) => boolean) => {
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        if (inside(x, y)) {
          rgb.set(c, (y * W + x) * 3);
          masks[name][y * W + x] = 1;
        }
  };
  paint('redDisc', [255, 0, 0], (x, y) => (x - 12) ** 2 + (y - 14) ** 2 <= 81);
  paint('blue', [0, 0, 255], (x, y) => x >= 40 && x < 56 && y >= 4 && y < 20);
  paint('redSquare', [255, 0, 0], (x, y) => x >= 44 && x < 58 && y >= 30 && y < 44);
  return { rgb, masks };
}

let png: Uint8Array;
const { rgb, masks } = scene();

beforeAll(async () => {
  png = new Uint8Array(await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).png().toBuffer());
});

const toy = () => createToyModels({ tokenizerJson: clipFixtureTokenizerJson() });
const ok = (r: SegmentResult, i: number) => {
  const e = r.results[i];
  if (!e.ok) throw new Error(`expression ${i} failed: ${e.error.code} ${e.error.message}`);
  return e as ExpressionResult;
};
const iouWith = (e: ExpressionResult, gt: Uint8Array) => maskIou(decodeRle(e.mask.rle), gt);

function pngHeaderOnly(width: number, height: number): Uint8Array {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return new Uint8Array(
    Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(64))), chunk('IEND', Buffer.alloc(0))]),
  );
}

describe('createRefDiff on honest toy models', () => {
  it('segments by colour and direction, and is deterministic for a seed', async () => {
    const rd = createRefDiff(toy(), { imageCacheBytes: 1 << 24 });
    const exprs = ['the blue square', 'the red one on the left', 'red box at the bottom'];
    const a = await rd.segment({ image: png }, exprs, { attentionLevel: 1, seed: 7 });
    expect(iouWith(ok(a, 0), masks.blue)).toBeGreaterThan(0.9);
    expect(iouWith(ok(a, 1), masks.redDisc)).toBeGreaterThan(0.9);
    expect(iouWith(ok(a, 2), masks.redSquare)).toBeGreaterThan(0.9);
    expect(ok(a, 1).directions).toEqual([{ cue: 'left', index: 5 }]);
    expect(ok(a, 0).root).toEqual({ index: 2, word: 'square' });
    const rd2 = createRefDiff(toy(), { imageCacheBytes: 1 << 24 });
    const b = await rd2.segment({ image: png }, [exprs[2]], { attentionLevel: 1, seed: 7 });
    // one expression alone gives exactly what it gave in a batch of three
    expect(ok(b, 0).mask.rle).toEqual(ok(a, 2).mask.rle);
    expect(ok(b, 0).proposals).toEqual(ok(a, 2).proposals);
  });

  it('gives the same answers with SAM post-processing behind an asynchronous session (as on a worker thread)', async () => {
    // a processor that copies each batch, works on it a turn later and reports its own work time, as the GPU
    // worker's thread pool does; the engine must wait for it correctly and time it as samPostMs
    let sessions = 0;
    const deferred: SamPostProcessor = {
      open(geometry, settings) {
        sessions++;
        const job = new SamPostJob(geometry, settings);
        let queue = Promise.resolve();
        return {
          addBatch(decoded, first) {
            const copy = { points: decoded.points, iouScores: decoded.iouScores.slice(), lowResLogits: decoded.lowResLogits.slice() };
            queue = queue.then(() => new Promise((resolve) => setImmediate(resolve))).then(() => job.addBatch(copy, first));
            return Promise.resolve();
          },
          finish: () => queue.then(() => ({ proposals: job.finish(), workMs: 1234 })),
          close: () => undefined,
        };
      },
    };
    const exprs = ['the blue square', 'the red one on the left', 'red box at the bottom'];
    const inline = await createRefDiff(toy(), { imageCacheBytes: 1 << 24 }).segment({ image: png }, exprs, { attentionLevel: 1, seed: 3 });
    const threaded = await createRefDiff(toy(), { imageCacheBytes: 1 << 24, samPostProcessor: deferred }).segment({ image: png }, exprs, { attentionLevel: 1, seed: 3 });
    expect(sessions).toBe(1);
    expect(threaded.timingsMs.samPostMs).toBe(1234);
    expect(threaded.results.map((r) => (r.ok ? [r.mask.rle, r.proposals] : r.error))).toEqual(
      inline.results.map((r) => (r.ok ? [r.mask.rle, r.proposals] : r.error)),
    );
  });

  it('keeps cache namespaces apart: an image cached in one is a miss, with the full image-side work, in another', async () => {
    const models = toy();
    const rd = createRefDiff(models, { imageCacheBytes: 1 << 24 });
    const a = await rd.segment({ image: png, cacheNamespace: 'tenant-a' }, ['the blue square'], { attentionLevel: 1 });
    expect(a.imageCacheHit).toBe(false);
    expect(rd.hasImage(a.image.sha256, 'tenant-a')).toBe(true);
    expect(rd.hasImage(a.image.sha256, 'tenant-b')).toBe(false);
    expect(rd.hasImage(a.image.sha256)).toBe(false);
    await expect(rd.segment({ sha256: a.image.sha256, cacheNamespace: 'tenant-b' }, ['the blue square'])).rejects.toMatchObject({ code: 'IMAGE_NOT_CACHED' });
    const b = await rd.segment({ image: png, cacheNamespace: 'tenant-b' }, ['the blue square'], { attentionLevel: 1 });
    expect(b.imageCacheHit).toBe(false);
    expect(b.modelCalls).toMatchObject({ vae: 1, samEncoder: 1, clipRegions: 1 });
    expect(ok(b, 0).mask.rle).toEqual(ok(a, 0).mask.rle);
    const again = await rd.segment({ sha256: a.image.sha256, cacheNamespace: 'tenant-b' }, ['the blue square'], { attentionLevel: 1 });
    expect(again.imageCacheHit).toBe(true);
  });

  it('applies the EXIF orientation only with autoOrient (masks follow what viewers display)', async () => {
    // Stored 64×48 with orientation 6 (rotate 90° clockwise to display): shown 48×64.
    const jpeg = new Uint8Array(await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer());
    const stored = await createRefDiff(toy(), { imageCacheBytes: 1 << 24 }).segment({ image: jpeg }, ['the blue square'], { attentionLevel: 1 });
    expect(stored.image).toMatchObject({ width: W, height: H });
    const oriented = await createRefDiff(toy(), { imageCacheBytes: 1 << 24, autoOrient: true }).segment({ image: jpeg }, ['the blue square'], { attentionLevel: 1 });
    expect(oriented.image).toMatchObject({ width: H, height: W });
    expect(ok(oriented, 0).mask.rle.size).toEqual([W, H]);
    // The blue square (x 40–55, y 4–19 stored) lands at x 28–43, y 40–55 once rotated 90° clockwise.
    const box = ok(oriented, 0).mask.bbox;
    expect(box[0]).toBeGreaterThanOrEqual(26);
    expect(box[1]).toBeGreaterThanOrEqual(38);
  });

  it('skips the image-side models for an image already seen (call counts)', async () => {
    const models = toy();
    const rd = createRefDiff(models, { imageCacheBytes: 1 << 24 });
    const first = await rd.segment({ image: png }, ['the blue square'], { attentionLevel: 1 });
    expect(first.imageCacheHit).toBe(false);
    expect(first.modelCalls).toMatchObject({ vae: 1, samEncoder: 1, clipRegions: 1 });
    expect(first.modelCalls.samDecoder).toBeGreaterThan(0);
    const second = await rd.segment({ sha256: first.image.sha256 }, ['the red one on the left', 'the blue square'], { attentionLevel: 1 });
    expect(second.imageCacheHit).toBe(true);
    expect(second.modelCalls.vae).toBeUndefined();
    expect(second.modelCalls.samEncoder).toBeUndefined();
    expect(second.modelCalls.samDecoder).toBeUndefined();
    expect(second.modelCalls.clipRegions).toBeUndefined();
    // one new expression (the other's attention map is cached per sentence): one SD text call, two UNet passes
    expect(second.modelCalls).toMatchObject({ sdText: 1, clipText: 1, unet: 2 });
    // both new: one SD text call, UNet passes batched together (2 timesteps, not 4)
    const third = await rd.segment({ sha256: first.image.sha256 }, ['red box at the bottom', 'the blue one'], { attentionLevel: 1 });
    expect(third.modelCalls).toMatchObject({ sdText: 1, clipText: 1, unet: 2 });
    // the same sentences and settings again: no SD text encoder, no UNet
    const again = await rd.segment({ sha256: first.image.sha256 }, ['red box at the bottom', 'the blue one'], { attentionLevel: 1 });
    expect(again.modelCalls.unet).toBeUndefined();
    expect(again.modelCalls.sdText).toBeUndefined();
    // hard crops of SAM proposals are cached per positional bias: no CLIP vision call either
    expect(again.modelCalls.clipImage).toBeUndefined();
    expect(again.results).toEqual(third.results.map((r) => ({ ...r, timingsMs: expect.any(Object) })));
    // another seed is another noise: the UNet runs again
    const seeded = await rd.segment({ sha256: first.image.sha256 }, ['the blue one'], { attentionLevel: 1, seed: 3 });
    expect(seeded.modelCalls.unet).toBe(2);
    expect(rd.modelCalls().samEncoder).toBe(1);
    expect(rd.cacheStats()).toMatchObject({ entries: 1, hits: 4, misses: 1 });
    await expect(rd.segment({ sha256: 'f'.repeat(64) }, ['x'])).rejects.toMatchObject({ code: 'IMAGE_NOT_CACHED' });
  });

  it('runs the image side once for concurrent requests on the same new image', async () => {
    const models = toy();
    const rd = createRefDiff(models, { imageCacheBytes: 1 << 24 });
    const [a, b] = await Promise.all([
      rd.segment({ image: png }, ['the blue square'], { attentionLevel: 1 }),
      rd.segment({ image: png }, ['red box at the bottom'], { attentionLevel: 1 }),
    ]);
    expect(models.calls).toMatchObject({ vae: 1, samEncoder: 1, clipRegions: 1 });
    expect([a.imageCacheHit, b.imageCacheHit].sort()).toEqual([false, true]);
    expect(iouWith(ok(b, 0), masks.redSquare)).toBeGreaterThan(0.9);
  });

  it('with modelCallsInFlight, concurrent requests give the same answers, one model call at a time', async () => {
    const exprs = [['the blue square'], ['red box at the bottom', 'the red circle on the left']];
    const flip = async (ab: Uint8Array) => new Uint8Array(await sharp(ab).flop().png().toBuffer());
    const images = [png, await flip(png)];
    const plain = createRefDiff(toy(), { imageCacheBytes: 0 });
    const want = [];
    for (let i = 0; i < 2; i++) want.push(await plain.segment({ image: images[i] }, exprs[i], { attentionLevel: 1, seed: 5 }));
    const models = toy();
    let running = 0;
    let most = 0;
    const queued = new Proxy(models, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver);
        if (typeof v !== 'function' || !['encodeVae', 'unet', 'encodeClipImage', 'encodeClipRegions', 'decodeSamPoints'].includes(String(prop))) return v;
        return async (...args: unknown[]) => {
          most = Math.max(most, ++running);
          try {
            // held a little, as on a device, so calls of the two requests would overlap without the queue
            await new Promise((r) => setTimeout(r, 2));
            return await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          } finally {
            running--;
          }
        };
      },
    });
    const rd = createRefDiff(queued, { imageCacheBytes: 0, modelCallsInFlight: 1 });
    const got = await Promise.all(images.map((image, i) => rd.segment({ image }, exprs[i], { attentionLevel: 1, seed: 5 })));
    expect(most).toBe(1);
    for (let i = 0; i < 2; i++) {
      expect(got[i].results.map((r) => (r.ok ? { m: r.mask, s: r.score, p: r.proposals } : r))).toEqual(
        want[i].results.map((r) => (r.ok ? { m: r.mask, s: r.score, p: r.proposals } : r)),
      );
    }
  });

  it('gives the same answers whether the attention maps are returned (own arrays) or not (one reused buffer)', async () => {
    const exprs = ['the blue square', 'red box at the bottom', 'the red circle on the left', 'the thing on the right'];
    for (const opts of [{ attentionLevel: 1 as const }, { attentionLevel: 1 as const, proposals: 'weight-free' as const }, { attentionLevel: 1 as const, preset: 'paper' as const }]) {
      const a = await createRefDiff(toy(), { imageCacheBytes: 1 << 24 }).segment({ image: png }, exprs, opts);
      const b = await createRefDiff(toy(), { imageCacheBytes: 1 << 24 }).segment({ image: png }, exprs, { ...opts, returnAttention: true });
      const strip = (r: SegmentResult) => r.results.map((x) => (x.ok ? { ...x, timingsMs: null, attention: null } : x));
      expect(strip(a)).toEqual(strip(b));
      const maps = b.results.map((x) => (x.ok ? x.attention!.data : null)).filter((d) => d !== null);
      expect(new Set(maps).size).toBe(maps.length);
    }
  });

  it('answers the rest of a batch when one expression is bad', async () => {
    const rd = createRefDiff(toy(), { imageCacheBytes: 1 << 24 });
    const r = await rd.segment({ image: png }, ['the blue square', '   ', 'x '.repeat(600), 'the red one on the left'], { attentionLevel: 1 });
    expect(r.results.map((e) => (e.ok ? 'ok' : e.error.code))).toEqual(['ok', 'EXPRESSION_EMPTY', 'EXPRESSION_TOO_LONG', 'ok']);
  });

  it('reports each mask with its exact area and box, the same again (and not shared) when a cached image is asked again', async () => {
    const rd = createRefDiff(toy(), { imageCacheBytes: 1 << 24 });
    const texts = ['the blue square', 'the red one on the left', 'red box at the bottom', 'the blue square'];
    for (const proposals of ['sam', 'weight-free'] as const) {
      const first = await rd.segment({ image: png }, texts, { attentionLevel: 1, proposals });
      const again = await rd.segment({ image: png }, texts, { attentionLevel: 1, proposals });
      for (let i = 0; i < texts.length; i++) {
        const e = ok(first, i);
        const m = decodeRle(e.mask.rle);
        expect(e.mask.area).toBe(maskArea(m));
        expect(e.mask.bbox).toEqual(maskBox(m, W, H));
        expect(ok(again, i).mask).toEqual(e.mask);
      }
      ok(first, 0).mask.rle.size[0] = 0;
      expect(ok(again, 0).mask.rle.size[0]).toBe(H);
    }
  });

  it('stops between model calls when aborted', async () => {
    const ac = new AbortController();
    ac.abort(new Error('client went away'));
    const rd = createRefDiff(toy(), { imageCacheBytes: 1 << 24 });
    await expect(rd.segment({ image: png }, ['the blue square'], { signal: ac.signal })).rejects.toMatchObject({ code: 'ABORTED' });
    const models = toy();
    const ac2 = new AbortController();
    const unet = models.unet.bind(models);
    models.unet = async (call, o) => {
      ac2.abort('deadline');
      return unet(call, o);
    };
    const rd2 = createRefDiff(models, { imageCacheBytes: 1 << 24 });
    await expect(rd2.segment({ image: png }, ['the blue square'], { signal: ac2.signal, attentionLevel: 1 })).rejects.toMatchObject({
      code: 'ABORTED',
    });
    expect(models.calls.unet).toBe(1); // the second pass never ran
    expect(models.calls.clipText).toBeUndefined();
  });

  it('rejects bad images with typed errors before decoding', async () => {
    const rd = createRefDiff(toy(), { imageCacheBytes: 1 << 24 });
    const e = (bytes: Uint8Array) => rd.segment({ image: bytes }, ['the blue square']).catch((err: unknown) => err);
    expect(await e(new Uint8Array([1, 2, 3, 4, 5]))).toMatchObject({ code: 'INVALID_IMAGE' });
    expect(await e(png.subarray(0, Math.floor(png.length / 2)))).toMatchObject({ code: 'INVALID_IMAGE' });
    const bomb = (await e(pngHeaderOnly(20_000, 20_000))) as Error;
    expect(bomb).toMatchObject({ code: 'IMAGE_TOO_LARGE' });
    expect(bomb.message).toContain('20000×20000');
    const svg = new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>');
    expect(await e(svg)).toMatchObject({ code: 'UNSUPPORTED_IMAGE_FORMAT' });
    expect(await e(new Uint8Array(0))).toMatchObject({ code: 'INVALID_IMAGE' });
  });

  it('reports a pack that does not match and bad options as typed errors', async () => {
    const rd = createRefDiff(createToyModels({ tokenizerJson: clipFixtureTokenizerJson(), brokenVae: true }), { imageCacheBytes: 1 << 24 });
    await expect(rd.segment({ image: png }, ['the blue square'], { attentionLevel: 1 })).rejects.toMatchObject({ code: 'PACK_MISMATCH' });
    const rd2 = createRefDiff(toy(), { imageCacheBytes: 1 << 24 });
    const noLayer = (await rd2.segment({ image: png }, ['the blue square'], { attentionLevel: 4 }).catch((x: unknown) => x)) as Error;
    expect(noLayer).toMatchObject({ code: 'PACK_MISMATCH' });
    expect(noLayer.message).toContain('level 4');
    await expect(rd2.segment({ image: png }, ['the blue square'], { alpha: 2 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it("refuses a size the pack's memory preflight rejects before any model runs, as RESOURCE_EXHAUSTED", async () => {
    const models = toy();
    const checked: number[] = [];
    models.checkMemory = ({ sdImageSize }) => {
      checked.push(sdImageSize);
      throw Object.assign(new Error(`the UNet at ${sdImageSize} px needs about 48 GiB`), { code: 'RESOURCE_EXHAUSTED' });
    };
    const rd = createRefDiff(models, { imageCacheBytes: 1 << 24 });
    const err = (await rd.segment({ image: png }, ['the blue square'], { attentionLevel: 1 }).catch((x: unknown) => x)) as Error;
    expect(err).toMatchObject({ code: 'RESOURCE_EXHAUSTED', message: expect.stringContaining('needs about 48 GiB') });
    expect(checked).toEqual([models.constants.sd.imageSize]);
    expect(models.calls.vae ?? 0).toBe(0);
    expect(models.calls.samEncoder ?? 0).toBe(0);
  });

  it('runs weight-free proposals and the paper preset', async () => {
    const rd = createRefDiff(toy(), { imageCacheBytes: 1 << 24 });
    const wf = await rd.segment({ image: png }, ['the blue square'], { attentionLevel: 1, proposals: 'weight-free', returnAttention: true });
    const e = ok(wf, 0);
    expect(e.proposals).toHaveLength(19);
    expect(e.attention?.data).toHaveLength(W * H);
    expect(iouWith(e, masks.blue)).toBeGreaterThan(0.3);
    expect(wf.modelCalls.samEncoder).toBeUndefined();
    // generative only: no CLIP model runs at all, the fused score is s_G
    const gen = await rd.segment({ image: png }, ['the red one on the left'], { attentionLevel: 1, weights: { hard: 0, soft: 0, generative: 1 } });
    expect(Object.keys(gen.modelCalls).filter((k) => k.startsWith('clip'))).toEqual([]);
    const g = ok(gen, 0);
    expect(g.score).toBe(Math.max(...g.proposals.filter((p) => !p.filtered).map((p) => p.generative)));
    const paper = await rd.segment({ image: png }, ['red box at the bottom'], { attentionLevel: 1, preset: 'paper' });
    expect(paper.preset).toBe('paper');
    expect(iouWith(ok(paper, 0), masks.redSquare)).toBeGreaterThan(0.9);
  });

  it('a flat attention map fails weight-free expressions with NO_PROPOSAL, never an empty mask; SAM still answers', async () => {
    const rd = createRefDiff(createToyModels({ tokenizerJson: clipFixtureTokenizerJson(), flatAttention: true }), { imageCacheBytes: 1 << 24 });
    for (const thresholdMode of ['value', 'quantile'] as const) {
      const r = await rd.segment({ image: png }, ['the blue square', '', 'red box at the bottom'], {
        attentionLevel: 1,
        proposals: 'weight-free',
        thresholdMode,
        returnAttention: true,
      });
      expect(r.results.map((e) => (e.ok ? 'ok' : e.error.code))).toEqual(['NO_PROPOSAL', 'EXPRESSION_EMPTY', 'NO_PROPOSAL']);
      const e = r.results[0];
      if (e.ok) throw new Error('expected a failure');
      expect(e.error.message).toMatch(/flat/);
      expect(e.expression).toBe('the blue square');
    }
    const sam = await rd.segment({ image: png }, ['the blue square'], { attentionLevel: 1, proposals: 'sam' });
    expect(ok(sam, 0).mask.area).toBeGreaterThan(0);
  });

  it("reuses input buffers from image to image: alternating and concurrent images get each image's own answers", async () => {
    const flopped = new Uint8Array(await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).flop().png().toBuffer());
    const portrait = new Uint8Array(await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).rotate(90).png().toBuffer());
    const exprs = ['the blue square', 'the red one on the left'];
    const options = { attentionLevel: 1, seed: 5, proposals: 'sam' } as const;
    const answers = (r: SegmentResult) => r.results.map((e) => (e.ok ? [e.mask.rle, e.proposals] : e.error));
    const alone = async (image: Uint8Array) => answers(await createRefDiff(toy(), { imageCacheBytes: 0 }).segment({ image }, exprs, options));
    const expected = [await alone(png), await alone(flopped), await alone(portrait)];
    // no image cache: every request prepares its inputs again, in the buffers the previous image gave back
    const rd = createRefDiff(toy(), { imageCacheBytes: 0 });
    for (const i of [0, 1, 2, 0, 2, 1]) expect(answers(await rd.segment({ image: [png, flopped, portrait][i] }, exprs, options))).toEqual(expected[i]);
    const together = await Promise.all([portrait, png, flopped].map((image) => rd.segment({ image }, exprs, options)));
    expect(together.map(answers)).toEqual([expected[2], expected[0], expected[1]]);

    // the next image's SAM input is prepared (in the buffer the first gave back after its encoder call) while the
    // first image's decoder calls are still pending: the first image's answers must not change
    const models = toy();
    let encoded = 0;
    let bothEncoded!: () => void;
    const encodedTwice = new Promise<void>((resolve) => (bothEncoded = resolve));
    const held: RefDiffModels = Object.assign(Object.create(models) as RefDiffModels, {
      encodeSamImage: async (pixels: Float32Array) => {
        const e = await models.encodeSamImage(pixels);
        if (++encoded === 2) bothEncoded();
        return e;
      },
      decodeSamPoints: async (...args: Parameters<RefDiffModels['decodeSamPoints']>) => {
        await encodedTwice;
        return models.decodeSamPoints(...args);
      },
    });
    const overlapping = createRefDiff(held, { imageCacheBytes: 0 });
    const first = overlapping.segment({ image: png }, exprs, options);
    while (encoded === 0) await new Promise((resolve) => setImmediate(resolve));
    const second = overlapping.segment({ image: portrait }, exprs, options);
    expect([answers(await first), answers(await second)]).toEqual([expected[0], expected[2]]);
  });

  it('evicts least recently used images by bytes', async () => {
    const rd = createRefDiff(toy(), { imageCacheBytes: 40_000 });
    const other = new Uint8Array(await sharp(rgb, { raw: { width: W, height: H, channels: 3 } }).flop().png().toBuffer());
    // the fixed 32² CLIP square keeps one image's state under the budget (full resolution stores W×H CLIP pixels)
    const a = await rd.segment({ image: png }, ['the blue square'], { attentionLevel: 1, clipResolution: 'fixed' });
    expect(rd.hasImage(a.image.sha256)).toBe(true);
    await rd.segment({ image: other }, ['the blue square'], { attentionLevel: 1, clipResolution: 'fixed' });
    expect(rd.hasImage(a.image.sha256)).toBe(false);
    expect(rd.cacheStats().bytes).toBeLessThanOrEqual(40_000);
  });
});

describe('CLIP resolution and masked layer reach the models', () => {
  function recording() {
    const m = toy();
    const images: string[] = [];
    const regions: { width?: number; height?: number; layer?: number; masks: number }[] = [];
    const encodeClipImage = m.encodeClipImage.bind(m);
    const encodeClipRegions = m.encodeClipRegions.bind(m);
    m.encodeClipImage = (px, batch, size, o) => {
      images.push(typeof size === 'number' ? `${size}x${size}` : `${size.width}x${size.height}`);
      return encodeClipImage(px, batch, size, o);
    };
    m.encodeClipRegions = (px, masks, n, o) => {
      regions.push({ width: o?.width, height: o?.height, layer: o?.layer, masks: masks.length / n });
      return encodeClipRegions(px, masks, n, o);
    };
    return { m, images, regions };
  }

  it("'full' (default): soft on the whole image at its size, hard on short-side-224 crops; reference reads the last layer", async () => {
    const { m, images, regions } = recording();
    const rd = createRefDiff(m, { imageCacheBytes: 1 << 24 });
    const r = await rd.segment({ image: png }, ['the blue square'], { attentionLevel: 1 });
    expect(ok(r, 0).chosen).toBeGreaterThanOrEqual(0);
    // toy pack: CLIP size 32, patch 8 → the 64×48 image is an 8×6 patch grid
    expect(regions).toEqual([{ width: 64, height: 48, layer: -1, masks: 48 }]);
    expect(images.length).toBeGreaterThan(0);
    for (const s of images) {
      const [w, h] = s.split('x').map(Number);
      expect(Math.min(w, h)).toBe(32);
    }
  });

  it("'fixed' keeps the padded 32² squares; the paper preset reads layer 2", async () => {
    const { m, images, regions } = recording();
    const rd = createRefDiff(m, { imageCacheBytes: 1 << 24 });
    await rd.segment({ image: png }, ['the blue square'], { attentionLevel: 1, clipResolution: 'fixed', preset: 'paper' });
    expect(regions.every((r) => r.width === 32 && r.height === 32 && r.layer === 2 && r.masks === 16)).toBe(true);
    expect(new Set(images)).toEqual(new Set(['32x32']));
  });
});
