import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runModelsCli } from '../testing/run-models-cli';
import { startHubEmulator, type HubEmulator } from '../testing/hub-emulator';
import { copyRealExports, realExportsAvailable } from '../testing/real-exports';

const run = (...args: string[]): Promise<string> => runModelsCli(args);

describe.runIf(await realExportsAvailable())('refdiff models pull', () => {
  let copy: { dir: string; dispose: () => Promise<void> };
  let hub: HubEmulator;
  let root: string;
  beforeAll(async () => {
    copy = await copyRealExports();
    root = await mkdtemp(join(tmpdir(), 'refdiff-pull-cli-'));
    hub = await startHubEmulator({
      repos: [
        { id: 'org/sd', dir: join(copy.dir, 'sd15') },
        { id: 'org/clip', dir: join(copy.dir, 'clip') },
        { id: 'org/sam', dir: join(copy.dir, 'sam'), allowedTokens: ['hf_secret'] },
      ],
    });
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await hub?.close();
    await copy?.dispose();
    await rm(root, { recursive: true, force: true });
  });

  it('goes from nothing to a pack that `models inspect` accepts, with HF_ENDPOINT, HF_TOKEN and HF_HOME from the environment', async () => {
    vi.stubEnv('HF_ENDPOINT', hub.endpoint);
    vi.stubEnv('HF_TOKEN', 'hf_secret');
    vi.stubEnv('HF_HOME', join(root, 'hf-home'));
    vi.stubEnv('HF_HUB_CACHE', '');
    vi.stubEnv('HF_HUB_OFFLINE', '');
    const pack = join(root, 'pack');
    const out = await run('models', 'pull', '--sd-repo', 'org/sd', '--clip-repo', 'org/clip', '--sam-repo', 'org/sam', '--out', pack, '--image-size', '128', '--layers', 'level4', '--link', 'hardlink');
    expect(out).toContain(`pulling into ${join(root, 'hf-home', 'hub')} from ${hub.endpoint}`);
    expect(out).toContain(`sd: org/sd@main (${hub.commitOf('org/sd')}): 4 files`);
    expect(out).toMatch(/prepared pack: \d+ files, \d+ cross-attention readouts/);
    const manifest = JSON.parse(await readFile(join(pack, 'manifest.json'), 'utf8')) as { files: { path: string; source?: { label?: string } }[] };
    expect(JSON.stringify(manifest)).toContain(`org/sd@${hub.commitOf('org/sd')}`);
    // hard links go to the cache's blobs (not to its snapshot symlinks)
    expect((await stat(join(pack, 'sd/weights.pb'))).nlink).toBe(2);
    const report = await run('models', 'inspect', pack);
    expect(report).toContain('ok: every file matches the manifest');

    // again, into another pack: everything from the cache
    const sent = hub.bytesSent;
    const again = await run('models', 'pull', '--sd-repo', 'org/sd', '--clip-repo', 'org/clip', '--sam-repo', 'org/sam', '--no-prepare');
    expect(again).toContain('all from the cache');
    expect(again).toContain('downloaded 0 B');
    expect(hub.bytesSent).toBe(sent);
  }, 180_000);

  it('checks the pack options before downloading anything', async () => {
    vi.stubEnv('HF_ENDPOINT', hub.endpoint);
    const before = hub.requests.length;
    await expect(run('models', 'pull', '--out', join(root, 'x'), '--kinds', 'scores')).rejects.toThrow("--kinds takes logits and/or probs, got 'scores'");
    await expect(run('models', 'pull')).rejects.toThrow(/--out/);
    await expect(run('models', 'pull', '--out', root)).rejects.toThrow(`OUTPUT_EXISTS: ${root} exists and is not empty`);
    expect(hub.requests.length).toBe(before);
  });
});
