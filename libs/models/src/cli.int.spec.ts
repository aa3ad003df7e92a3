import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runModelsCli } from './testing/run-models-cli';
import { writeTinyExports } from './testing/tiny-exports';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'refdiff-cli-'));
});
afterAll(() => rm(root, { recursive: true, force: true }));

const run = (...args: string[]): Promise<string> => runModelsCli(args, { keepStderr: true });

describe('refdiff models', () => {
  it('prepare builds a pack and inspect prints its contract and validates it', async () => {
    const dirs = await writeTinyExports(join(root, 'exports'), { unetLayout: 'bh-hw-t', sam: 'meta-single' });
    const pack = join(root, 'pack');
    const prepared = await run('models', 'prepare', '--sd', dirs.sd, '--clip', dirs.clip, '--sam', dirs.sam, '--out', pack, '--layers', 'level4', '--sd-source', 'tiny/sd');
    expect(prepared).toContain('prepared pack: 10 files, 1 cross-attention readouts');
    expect(prepared).toContain('mid_block.attentions.0 (/4, bh-hw-t)');
    const report = await run('models', 'inspect', pack);
    expect(report).toContain("unet: sd/unet.onnx (+ sd/weights.pb)");
    expect(report).toContain('out xattn_probs.mid_block.attentions.0 float32 [batch*2, hw_mid_block.attentions.0, 77]');
    expect(report).toContain('samDecoder: sam/mask_decoder.onnx  variant meta-single');
    expect(report).toContain('sd/weights.pb  3840 B');
    expect(report).toContain('copy from sd:tiny/sd/unet/weights.pb  [ok]');
    expect(report).toContain('ok: every file matches the manifest');

    await unlink(join(pack, 'clip/text_model.onnx'));
    let failed = '';
    await expect(
      run('models', 'inspect', pack).catch((e: Error) => {
        failed = e.message;
        throw e;
      }),
    ).rejects.toThrow(/has 1 problem\(s\)/);
    expect(failed).toContain(pack);
  });

  it('prepare rejects bad options with a message naming them', async () => {
    await expect(run('models', 'prepare', '--sd', 'a', '--clip', 'b', '--sam', 'c', '--out', join(root, 'x'), '--kinds', 'scores')).rejects.toThrow(
      "--kinds takes logits and/or probs, got 'scores'",
    );
  });
});
