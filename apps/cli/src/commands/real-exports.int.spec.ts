/**
 * `refdiff segment` on a pack made from graphs refdiff did not write (shared/real-exports): the real CLI in a
 * subprocess returns a valid mask JSON, and the same request with the same seed gives the same mask twice —
 * the third-party VAE samples its latent (RandomNormalLike); prepare wires its posterior mean instead.
 */
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { preparePack } from '@refdiff/models';
import { copyRealExports, realExportsAvailable } from '@refdiff/models/testing';
import { decodeRle, type CocoRle } from '@refdiff/pipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const bin = new URL('../../bin/refdiff.js', import.meta.url).pathname;
const SLOW = 300_000;

describe.runIf(await realExportsAvailable())('refdiff segment on a pack made from the real exports', () => {
  let copy: { dir: string; dispose: () => Promise<void> };
  let pack: string;
  let image: string;
  beforeAll(async () => {
    copy = await copyRealExports();
    pack = join(copy.dir, 'pack');
    // 64 px keeps the UNet's self-attention small on a busy CI machine; an 8×8 SAM grid is one decoder batch
    await preparePack({
      sd: join(copy.dir, 'sd15'),
      clip: join(copy.dir, 'clip'),
      sam: join(copy.dir, 'sam'),
      out: pack,
      name: 'real-exports',
      constants: { sd: { imageSize: 64 }, sam: { pointsPerSide: 8 } },
    });
    await run(process.execPath, [bin, 'dataset', 'synth', '--out', join(copy.dir, 'data'), '--n', '1', '--seed', '5']);
    image = join(copy.dir, 'data/images', (await readdir(join(copy.dir, 'data/images')))[0]);
  }, SLOW);
  afterAll(() => copy?.dispose());

  it('models prepare prints no onnxruntime error line, and inspect finds the constants equal to the graphs', async () => {
    const out = join(copy.dir, 'pack-cli');
    const prepared = await run(process.execPath, [bin, 'models', 'prepare', '--sd', join(copy.dir, 'sd15'), '--clip', join(copy.dir, 'clip'), '--sam', join(copy.dir, 'sam'), '--out', out, '--image-size', '128']);
    expect(prepared.stderr).toBe('');
    expect(prepared.stdout).toContain('16 cross-attention readouts');
    const inspected = await run(process.execPath, [bin, 'models', 'inspect', out, '--quick'], { maxBuffer: 1 << 24 });
    expect(inspected.stderr).toBe('');
    expect(inspected.stdout).toContain('ok: every file matches the manifest, and its constants equal what the graphs say');
    await expect(run(process.execPath, [bin, 'models', 'prepare', '--sd', 'a', '--clip', 'b', '--sam', 'c', '--out', join(copy.dir, 'x'), '--image-size', '100'])).rejects.toMatchObject({
      stderr: expect.stringContaining('--image-size must be a multiple of 64'),
    });
  }, SLOW);

  it('returns a valid mask JSON, the same twice for the same request and seed', async () => {
    const segment = async () => {
      const { stdout, stderr } = await run(process.execPath, [bin, 'segment', '--models', pack, '--image', image, '--text', 'the cat on the left', '--seed', '7', '--json'], {
        maxBuffer: 1 << 24,
      });
      expect(stderr).not.toMatch(/\[E:onnxruntime/);
      return JSON.parse(stdout) as { image: { width: number; height: number }; masks: { ok: boolean; rle: CocoRle; bbox: number[]; area: number; score: number }[] };
    };
    const first = await segment();
    const second = await segment();
    expect(first.masks).toHaveLength(1);
    const m = first.masks[0];
    expect(m.ok).toBe(true);
    const mask = decodeRle(m.rle);
    expect(m.rle.size).toEqual([first.image.height, first.image.width]);
    expect(mask.length).toBe(first.image.width * first.image.height);
    expect(mask.reduce((a, v) => a + v, 0)).toBe(m.area);
    expect(m.bbox).toHaveLength(4);
    expect(Number.isFinite(m.score)).toBe(true);
    const strip = (r: typeof first) => r.masks.map(({ rle, bbox, area, score }) => ({ rle, bbox, area, score }));
    expect(strip(second)).toEqual(strip(first));
  }, SLOW);
});
