import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { copyRealExports, realExportsAvailable } from './real-exports';

describe.runIf(await realExportsAvailable())('real exports', () => {
  it('are copied into a writable temporary folder with the public layout', async () => {
    const copy = await copyRealExports();
    try {
      const unet = join(copy.dir, 'sd15', 'unet');
      expect((await readdir(unet)).sort()).toEqual(['model.onnx', 'weights.pb']);
      expect((await stat(join(unet, 'weights.pb'))).size).toBeGreaterThan(0);
      await writeFile(join(unet, 'model.onnx'), 'edited');
    } finally {
      await copy.dispose();
    }
  });
});
