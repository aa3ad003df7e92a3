import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeFixturePack } from '@refdiff/models';
import { decodeRle, maskIou, OPTION_TABLE, type CocoRle } from '@refdiff/pipeline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readMaskPng } from './dataset-io';

const run = promisify(execFile);
const bin = new URL('../../bin/refdiff.js', import.meta.url).pathname;
/** the fixture SAM decodes a 24×24 point grid per image: minutes on a busy 2-core machine */
const SLOW = 300_000;
let dir: string;
let pack: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'refdiff-cli-'));
  pack = join(dir, 'pack');
  await makeFixturePack(pack);
  await run(process.execPath, [bin, 'dataset', 'synth', '--out', join(dir, 'data'), '--n', '2', '--seed', '77']);
}, SLOW);
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const cli = (args: string[]) => run(process.execPath, [bin, ...args], { maxBuffer: 1 << 24 });

describe('refdiff segment / eval on the fixture pack', () => {
  it('segment --json prints masks[].rle, bbox, score and timings; --out writes the mask', async () => {
    const index = (await readFile(join(dir, 'data/index.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    const first = index[0];
    const same = index.filter((s) => s.image === first.image);
    const args = ['segment', '--image', join(dir, 'data', first.image), '--models', pack, '--json', '--out', join(dir, 'mask.png')];
    for (const s of same) args.push('--text', s.expression);
    args.push('--text', '   ');
    const { stdout } = await cli(args).catch((e: { stdout: string; code: number }) => {
      expect(e.code).toBe(1); // one expression failed
      return e;
    });
    const out = JSON.parse(stdout) as {
      masks: { ok: boolean; rle?: CocoRle; bbox?: number[]; score?: number; error?: { code: string } }[];
      timingsMs: Record<string, number>;
      modelCalls: Record<string, number>;
    };
    expect(out.masks).toHaveLength(same.length + 1);
    expect(out.masks.at(-1)).toMatchObject({ ok: false, error: { code: 'EXPRESSION_EMPTY' } });
    expect(out.modelCalls).toMatchObject({ vae: 1, samEncoder: 1 });
    expect(out.timingsMs.vaeMs).toBeGreaterThanOrEqual(0);
    for (const [i, s] of same.entries()) {
      const gt = await readMaskPng(join(dir, 'data', s.mask));
      expect(maskIou(decodeRle(out.masks[i].rle!), gt.mask)).toBeGreaterThan(0.9);
      expect(out.masks[i].bbox).toHaveLength(4);
      expect(typeof out.masks[i].score).toBe('number');
    }
    const written = await readMaskPng(join(dir, 'mask.png'));
    expect(maskIou(written.mask, decodeRle(out.masks[0].rle!))).toBe(1);
  }, SLOW);

  it('eval --json scores a dataset and keeps going past a broken sample', async () => {
    const index = await readFile(join(dir, 'data/index.jsonl'), 'utf8');
    await writeFile(join(dir, 'data/broken.png'), 'not a png');
    await writeFile(
      join(dir, 'data/index.jsonl'),
      index + JSON.stringify({ id: 'broken', image: 'broken.png', expression: 'the red circle', mask: 'masks/s0-e0.png' }) + '\n',
    );
    const predictions = join(dir, 'out/predictions.jsonl');
    const { stdout } = await cli(['eval', '--dataset', join(dir, 'data'), '--models', pack, '--json', '--predictions', predictions, '--by', 'kind']);
    const r = JSON.parse(stdout) as {
      n: number;
      mIoU: number;
      oIoU: number;
      precision: Record<string, number>;
      errors: { id: string; message: string }[];
      by: { kind: { value: string; n: number; mIoU: number; oIoU: number; precision: Record<string, number> }[] };
    };
    expect(r.n).toBe(3);
    // --by kind: one group per kind in index.jsonl (the broken line has none), the groups sum to the total
    const kinds = index.trim().split('\n').map((l) => JSON.parse(l).kind as string);
    expect(r.by.kind.map((g) => g.value).sort()).toEqual([...new Set([...kinds, '(none)'])].sort());
    expect(r.by.kind.reduce((a, g) => a + g.n, 0)).toBe(r.n);
    expect(r.by.kind.find((g) => g.value === '(none)')).toMatchObject({ n: 1, mIoU: 0 });
    // --predictions: one valid JSON line per sample, in index order, with what a reader needs
    const lines = (await readFile(predictions, 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id)).toEqual([...index.trim().split('\n').map((l) => JSON.parse(l).id), 'broken']);
    for (const l of lines.slice(0, -1)) {
      expect(l).toMatchObject({ error: null, fields: { kind: expect.any(String) } });
      expect(l.iou).toBeGreaterThanOrEqual(0);
      expect(typeof l.expression).toBe('string');
      expect(typeof l.score).toBe('number');
      expect(l.chosen.bbox).toHaveLength(4);
      expect(l.root.word).toEqual(expect.any(String));
      expect(Array.isArray(l.directions)).toBe(true);
      expect(l.timingsMs.unetMs).toEqual(expect.any(Number));
    }
    expect(lines.at(-1)).toMatchObject({ id: 'broken', iou: 0, score: null, chosen: null });
    expect(lines.at(-1).error).toContain('INVALID_IMAGE');
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ id: 'broken' });
    expect(r.errors[0].message).toContain('INVALID_IMAGE');
    // two synthetic expressions answered well, the broken one scores 0
    expect(r.mIoU).toBeGreaterThan(0.6);
    expect(Object.keys(r.precision)).toEqual(['0.5', '0.6', '0.7', '0.8', '0.9']);
  }, SLOW);

  it('a corrupt image is a typed error on stderr', async () => {
    await writeFile(join(dir, 'bad.png'), new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
    const err = (await cli(['segment', '--image', join(dir, 'bad.png'), '--text', 'the red circle', '--models', pack]).catch((e: unknown) => e)) as {
      code: number;
      stderr: string;
    };
    expect(err.code).toBe(1);
    expect(err.stderr).toMatch(/^refdiff: INVALID_IMAGE: /m);
  }, SLOW);

  it('method options: one flag per option of the shared table, checked as the gateway and worker check them', async () => {
    const { stdout: help } = await cli(['segment', '--help']);
    for (const row of OPTION_TABLE) expect(help).toContain(row.cli.split(' ')[0]);
    const image = join(dir, 'data', JSON.parse((await readFile(join(dir, 'data/index.jsonl'), 'utf8')).split('\n')[0]).image);
    const refused = (args: string[]) =>
      cli(['segment', '--image', image, '--text', 'the red circle', '--models', pack, ...args]).then(
        () => expect.unreachable('accepted'),
        (e: { code: number; stderr: string }) => e,
      );
    // issue 14 D10's options, before the pack loads
    const bad = await refused(['--strength', '1', '--steps', '1000', '--weights', '0,0,0', '--seed', '4294967296']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/INVALID_ARGUMENT: invalid options: .*--weights: at least one.*--strength: must be a number in \(0, 1\), got 1.*--seed: must be an integer in \[0, 4294967295\]/);
    // the pack's limits once it is open (the fixture's masked CLIP encoder has two layers, each readable)
    expect((await refused(['--masked-layer', '5'])).stderr).toMatch(/--masked-layer: .*2 readable layers/);
    // valid overrides take effect: generative-only fusion scores differ from the preset's
    const score = async (args: string[]) => JSON.parse((await cli(['segment', '--image', image, '--text', 'the red circle', '--models', pack, '--json', ...args])).stdout).masks[0].score as number;
    const preset = await score([]);
    expect(await score(['--weights', '0,0,1', '--seed', '4294967295'])).not.toBeCloseTo(preset, 6);
  }, SLOW);
});
