import { describe, expect, it } from 'vitest';
import { HubError } from '../errors';
import { externalDataPath, filesFor } from './export-files';
import { defaultHubCache, repoFolderName } from './hub-cache';
import { normalizeEtag } from './hub-client';
import { createProgress, formatDuration, renderProgressLine } from './progress';

describe('hub cache layout', () => {
  it('names repository folders and finds the cache as huggingface_hub does', () => {
    expect(repoFolderName('Xenova/sam-vit-base')).toBe('models--Xenova--sam-vit-base');
    expect(defaultHubCache({}, '/home/u')).toBe('/home/u/.cache/huggingface/hub');
    expect(defaultHubCache({ XDG_CACHE_HOME: '/x' }, '/home/u')).toBe('/x/huggingface/hub');
    expect(defaultHubCache({ HF_HOME: '/hf' }, '/home/u')).toBe('/hf/hub');
    expect(defaultHubCache({ HF_HOME: '/hf', HF_HUB_CACHE: '/c' }, '/home/u')).toBe('/c');
    expect(defaultHubCache({ HF_HOME: '~/hf' }, '/home/u')).toBe('/home/u/hf/hub');
  });

  it('normalises etags (weak prefix, quotes)', () => {
    expect(normalizeEtag('W/"abc"')).toBe('abc');
    expect(normalizeEtag('"abc"')).toBe('abc');
    expect(normalizeEtag(null)).toBeNull();
  });
});

describe('which files prepare needs', () => {
  const xenovaSam = new Set(['onnx/vision_encoder.onnx', 'onnx/vision_encoder_quantized.onnx', 'onnx/prompt_encoder_mask_decoder.onnx', 'onnx/prompt_encoder_mask_decoder_quantized.onnx']);
  it('takes the Xenova split decoder, or the one other .onnx as a Meta decoder', () => {
    expect(filesFor('sam', xenovaSam, 'x')).toEqual(['onnx/vision_encoder.onnx', 'onnx/prompt_encoder_mask_decoder.onnx']);
    expect(filesFor('sam', new Set(['onnx/vision_encoder.onnx', 'sam_vit_b_decoder.onnx']), 'x')).toEqual(['onnx/vision_encoder.onnx', 'sam_vit_b_decoder.onnx']);
    expect(() => filesFor('sam', new Set(['onnx/vision_encoder.onnx', 'onnx/a.onnx', 'onnx/b.onnx']), 'org/sam')).toThrow(/org\/sam: no onnx\/prompt_encoder_mask_decoder.onnx, and 2 \.onnx files .*onnx\/a\.onnx, onnx\/b\.onnx/);
  });
  it('names every missing file and the flag to change', () => {
    const err = (() => {
      try {
        filesFor('clip', new Set(['onnx/text_model.onnx']), 'org/clip@main');
      } catch (e) {
        return e as HubError;
      }
    })();
    expect(err?.code).toBe('HUB_FILE_NOT_FOUND');
    expect(err?.message).toContain('org/clip@main has no tokenizer.json, onnx/vision_model.onnx');
    expect(err?.message).toContain('--clip-repo');
  });
  it('resolves external data beside the graph and refuses paths that leave the repository', () => {
    expect(externalDataPath('unet/model.onnx', 'weights.pb', 'r')).toBe('unet/weights.pb');
    expect(externalDataPath('onnx/model.onnx', './model.onnx_data', 'r')).toBe('onnx/model.onnx_data');
    expect(() => externalDataPath('unet/model.onnx', '../../etc/passwd', 'r')).toThrow(/leaves the repository/);
  });
});

describe('progress', () => {
  it('renders bytes, rate and ETA within the terminal width', () => {
    const line = renderProgressLine('org/repo/unet/weights.pb', 1_200_000_000, 3_400_000_000, 41_000_000, 100);
    expect(line).toContain('35% 1.2 GB/3.4 GB  41.0 MB/s  ETA 0:54');
    expect(line.length).toBeLessThan(100);
    expect(renderProgressLine('a-very-long-repository-name/with/a/deep/path/model.onnx', 0, 10, 0, 60)).toMatch(/^….*ETA --:--$/);
    expect(formatDuration(3725)).toBe('1:02:05');
  });

  it('draws in place on a terminal and writes one line per file elsewhere', () => {
    let t = 0;
    const tty: string[] = [];
    const p = createProgress({ write: (s: string) => tty.push(s), isTTY: true, columns: 100 }, { now: () => t });
    p.start('org/r/f.onnx', 1000, 200);
    for (t = 50; t <= 1000; t += 50) p.update(200 + (t * 800) / 1000);
    p.finish();
    expect(tty.every((s) => s.startsWith('\r\x1b[2K'))).toBe(true);
    expect(tty.length).toBeLessThan(15); // throttled
    expect(tty.at(-1)).toMatch(/100% 1.0 KB\/1.0 KB .*\n$/);

    const log: string[] = [];
    const q = createProgress({ write: (s: string) => log.push(s), isTTY: false }, { now: () => t });
    t = 0;
    q.start('org/r/f.onnx', 1000, 200);
    t = 2000;
    q.update(1000);
    q.finish();
    expect(log).toEqual(['downloaded org/r/f.onnx (1.0 KB, resumed from 200 B, 400 B/s)\n']);
  });
});
