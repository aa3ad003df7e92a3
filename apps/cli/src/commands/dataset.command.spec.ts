import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDatasetIndex } from '@refdiff/pipeline';
import { afterAll, describe, expect, it } from 'vitest';
import { readMaskPng } from './dataset-io';
import { runImportRefcoco, runSynth } from './dataset.command';

const fixtures = new URL('../../../../libs/pipeline/test/fixtures/refcoco/', import.meta.url).pathname;
const dirs: string[] = [];
const tmp = async () => {
  const d = await mkdtemp(join(tmpdir(), 'refdiff-dataset-'));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('refdiff dataset synth', () => {
  it('writes the documented format, deterministically, with masks matching the images', async () => {
    const [a, b] = [await tmp(), await tmp()];
    const quiet = (line: string) => void line;
    await runSynth({ out: a, n: 6, seed: 11 }, quiet);
    await runSynth({ out: b, n: 6, seed: 11 }, quiet);
    const index = await readFile(join(a, 'index.jsonl'), 'utf8');
    expect(await readFile(join(b, 'index.jsonl'), 'utf8')).toBe(index);
    const { samples, errors } = parseDatasetIndex(index);
    expect(errors).toEqual([]);
    expect(samples).toHaveLength(6);
    for (const s of samples) {
      const gt = await readMaskPng(join(a, s.mask));
      const area = gt.mask.reduce((x, y) => x + y, 0);
      expect(area).toBeGreaterThan(0);
      // every expression names its referent's colour, except the direction-only ones
      if (s.extra?.kind === 'direction') expect(s.expression).not.toMatch(/red|green|blue|yellow|purple|orange|white|black/);
      else expect(s.expression).toMatch(/red|green|blue|yellow|purple|orange|white|black/);
      expect(await readFile(join(a, s.image))).toEqual(await readFile(join(b, s.image)));
    }
  });

  it('tags every line with its kind, every kind appears, and --kinds / --crowded shape the set', async () => {
    const [a, c] = [await tmp(), await tmp()];
    const log: string[] = [];
    await runSynth({ out: a, n: 60, seed: 5 }, (l) => log.push(l));
    const all = parseDatasetIndex(await readFile(join(a, 'index.jsonl'), 'utf8')).samples;
    expect(new Set(all.map((s) => s.extra?.kind))).toEqual(new Set(['color', 'color-direction', 'corner', 'direction']));
    for (const s of all) expect((s.extra?.directions as string[]).length).toBe(s.extra?.kind === 'corner' ? 2 : s.extra?.kind === 'color' ? 0 : 1);
    expect(log.join('\n')).toMatch(/wrote 60 expressions \(.*direction \d+.*\)/);

    await runSynth({ out: c, n: 12, seed: 5, kinds: ['direction', 'corner'], crowded: true }, () => undefined);
    const crowded = parseDatasetIndex(await readFile(join(c, 'index.jsonl'), 'utf8')).samples;
    expect(crowded).toHaveLength(12);
    for (const s of crowded) {
      expect(['direction', 'corner']).toContain(s.extra?.kind);
      expect(s.extra?.crowded).toBe(true);
      const gt = await readMaskPng(join(c, s.mask));
      expect(Math.min(gt.width, gt.height)).toBeGreaterThanOrEqual(480);
      expect(Math.max(gt.width, gt.height)).toBeLessThanOrEqual(640);
    }
  });
});

describe('refdiff dataset import-refcoco', () => {
  it('writes one line per sentence and the pycocotools masks', async () => {
    const out = await tmp();
    const log: string[] = [];
    await runImportRefcoco(
      { instances: join(fixtures, 'instances.json'), refs: join(fixtures, 'refs.json'), images: '/data/coco', out, split: ['val'], copyImages: false },
      (l) => log.push(l),
    );
    const { samples } = parseDatasetIndex(await readFile(join(out, 'index.jsonl'), 'utf8'));
    expect(samples.map((s) => s.id)).toEqual(['1-5', '1-6', '3-8', '4-9', '6-11']);
    expect(samples[0].image.endsWith('data/coco/COCO_train2014_000000000010.jpg')).toBe(true);
    expect(samples[0].extra).toMatchObject({ refId: 1, annId: 100, split: 'val' });
    expect((await readdir(join(out, 'masks'))).sort()).toEqual(['100.png', '102.png', '103.png', '104.png']);
    const expected = JSON.parse(await readFile(join(fixtures, 'expected-masks.json'), 'utf8')) as Record<string, { rows: string[] }>;
    const m = await readMaskPng(join(out, 'masks/100.png'));
    const rows = Array.from({ length: m.height }, (_, y) => Array.from(m.mask.subarray(y * m.width, (y + 1) * m.width)).join(''));
    expect(rows).toEqual(expected['100'].rows);
    expect(log.some((l) => l.includes('annotation 999'))).toBe(true);
  });

  it('names the file it cannot read', async () => {
    const out = await tmp();
    await expect(
      runImportRefcoco({ instances: join(fixtures, 'nope.json'), refs: join(fixtures, 'refs.json'), images: '.', out, split: [], copyImages: false }, (line) => void line),
    ).rejects.toThrow(/nope\.json/);
  });
});
