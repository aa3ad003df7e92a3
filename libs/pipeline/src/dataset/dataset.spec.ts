import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cocoSegmentationToMask, rleCountsFromPolygon, rleCountsFromString, rleCountsToMask } from './coco-segmentation';
import { formatDatasetIndex, parseDatasetIndex } from './dataset-index';
import { planRefcocoImport, refcocoMask } from './refcoco-import';

const fixtures = new URL('../../test/fixtures/refcoco/', import.meta.url);
const readJson = (name: string): unknown => JSON.parse(readFileSync(new URL(name, fixtures), 'utf8'));

function rows(mask: Uint8Array, w: number): string[] {
  const out: string[] = [];
  for (let y = 0; y < mask.length / w; y++) out.push(Array.from(mask.subarray(y * w, (y + 1) * w)).join(''));
  return out;
}

describe('dataset index.jsonl', () => {
  it('parses valid lines, keeps extra fields and round-trips', () => {
    const text =
      '{"id":"a","image":"images/a.png","expression":"the red circle","mask":"masks/a.png","form":"colour"}\n\n' +
      '{"id":"b","image":"../coco/b.jpg","expression":"left one","mask":"masks/b.png"}\r\n';
    const parsed = parseDatasetIndex(text);
    expect(parsed.errors).toEqual([]);
    expect(parsed.samples.map((s) => s.id)).toEqual(['a', 'b']);
    expect(parsed.samples[0].extra).toEqual({ form: 'colour' });
    expect(parseDatasetIndex(formatDatasetIndex(parsed.samples)).samples).toEqual(parsed.samples);
    expect(parseDatasetIndex('{"id":7,"image":"a.png","expression":"x","mask":"m.png"}').samples[0].id).toBe('7');
  });

  it('reports bad lines by number without stopping', () => {
    const text = [
      '{"id":"a","image":"a.png","expression":"x","mask":"m.png"}',
      'not json',
      '{"id":"b","image":"/abs/a.png","expression":"x","mask":"m.png"}',
      '{"id":"c","image":"a.png","expression":"  ","mask":"m.png"}',
      '{"id":"a","image":"a.png","expression":"y","mask":"m.png"}',
      '{"id":"d","image":"a.png","expression":"y"}',
      '{"id":"e","image":"a.png","expression":"ok","mask":"m.png"}',
    ].join('\n');
    const { samples, errors } = parseDatasetIndex(text);
    expect(samples.map((s) => s.id)).toEqual(['a', 'e']);
    expect(errors.map((e) => e.line)).toEqual([2, 3, 4, 5, 6]);
    expect(errors[1].message).toContain('"image" must be relative');
    expect(errors[2].message).toContain('"expression" is empty');
    expect(errors[3].message).toContain('duplicate id');
    expect(errors[4].message).toContain('"mask" must be a string');
  });
});

describe('COCO segmentations (expected masks from pycocotools 2.0.11)', () => {
  const inst = readJson('instances.json') as {
    images: { id: number; width: number; height: number }[];
    annotations: { id: number; image_id: number; segmentation: never }[];
  };
  const expected = readJson('expected-masks.json') as Record<string, { rows: string[]; area: number }>;
  for (const ann of inst.annotations) {
    it(`annotation ${ann.id} decodes exactly as pycocotools`, () => {
      const im = inst.images.find((i) => i.id === ann.image_id)!;
      const mask = cocoSegmentationToMask(ann.segmentation, im.height, im.width);
      expect(rows(mask, im.width)).toEqual(expected[String(ann.id)].rows);
    });
  }

  it('matches pycocotools on a polygon with its compressed string', () => {
    // pycocotools: frPyObjects([[1.2,0.7,6.4,1.1,5.0,5.9,0.5,4.2]], 7, 8) → counts b'84300001ON?'
    const fromPoly = rleCountsFromPolygon([1.2, 0.7, 6.4, 1.1, 5.0, 5.9, 0.5, 4.2], 7, 8);
    expect(fromPoly).toEqual(rleCountsFromString('84300001ON?'));
    expect(rleCountsToMask(fromPoly, 7, 8).reduce((a, b) => a + b, 0)).toBe(20);
  });

  it('rejects RLE counts that do not fill the image and a size mismatch', () => {
    expect(() => rleCountsToMask([3, 2], 2, 3)).toThrow(/add up to 5/);
    expect(() => cocoSegmentationToMask({ size: [4, 4], counts: [16] }, 3, 4)).toThrow(/does not match/);
  });
});

describe('RefCOCO import plan', () => {
  it('makes one sample per sentence, filters splits and lists dangling refs', () => {
    const plan = planRefcocoImport(readJson('instances.json'), readJson('refs.json'));
    expect(plan.samples.map((s) => s.id)).toEqual(['1-5', '1-6', '2-7', '3-8', '4-9', '6-11']);
    expect(plan.skipped).toEqual([{ refId: 5, reason: 'annotation 999 is not in the instances file' }]);
    const val = planRefcocoImport(readJson('instances.json'), { refs: readJson('refs.json') }, { splits: ['testA'] });
    expect(val.samples.map((s) => s.expression)).toEqual(['right person']);
    const mask = refcocoMask(plan.annotations.get(101)!, val.samples[0].image);
    expect(mask.reduce((a, b) => a + b, 0)).toBe(31);
  });
});
