import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubError } from '../errors';
import { startHubEmulator, type HubEmulator } from '../testing/hub-emulator';
import { copyRealExports, realExportsAvailable } from '../testing/real-exports';
import { HubClient } from './hub-client';
import { pullExports, type PullExportsOptions } from './pull-exports';

const SD = 'test-org/sd15-onnx';
const CLIP = 'test-org/clip-vit';
const SAM = 'test-org/sam-vit';
const GATED = 'gated-org/sam-vit';
const repos = { sd: { repo: SD }, clip: { repo: CLIP }, sam: { repo: SAM } };

describe.runIf(await realExportsAvailable())('pullExports against a hub emulator serving the real exports', () => {
  let copy: { dir: string; dispose: () => Promise<void> };
  let hub: HubEmulator;
  let root: string;
  let n = 0;
  const freshCache = async () => {
    const dir = join(root, `cache-${n++}`);
    await mkdir(dir, { recursive: true });
    return dir;
  };
  const pull = (cacheDir: string, extra: Partial<PullExportsOptions> = {}) =>
    pullExports({ repos, endpoint: hub.endpoint, cacheDir, retries: 0, ...extra });
  const hubError = async (p: Promise<unknown>): Promise<HubError> => {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HubError);
    return err as HubError;
  };
  const lfsGets = () => hub.requests.filter((r) => r.server === 'lfs' && r.method === 'GET');

  beforeAll(async () => {
    copy = await copyRealExports();
    root = await mkdtemp(join(tmpdir(), 'refdiff-pull-'));
    hub = await startHubEmulator({
      repos: [
        { id: SD, dir: join(copy.dir, 'sd15') },
        { id: CLIP, dir: join(copy.dir, 'clip') },
        { id: SAM, dir: join(copy.dir, 'sam') },
        { id: GATED, dir: join(copy.dir, 'sam'), allowedTokens: ['hf_granted'] },
      ],
    });
  });
  afterAll(async () => {
    await hub?.close();
    await copy?.dispose();
    await rm(root, { recursive: true, force: true });
  });

  it('lays the downloads out as huggingface_hub does, verified, and a second run downloads nothing', async () => {
    const cache = await freshCache();
    const first = await pull(cache);
    const sd = first.repos.sd;
    expect(sd.commit).toBe(hub.commitOf(SD));
    expect(sd.dir).toBe(join(cache, 'models--test-org--sd15-onnx', 'snapshots', sd.commit));
    // the UNet's external weights were found from the graph
    expect(sd.files.map((f) => f.path)).toEqual(['text_encoder/model.onnx', 'vae_encoder/model.onnx', 'unet/model.onnx', 'unet/weights.pb']);
    expect(first.repos.clip.files.map((f) => f.path)).toEqual(['tokenizer.json', 'onnx/text_model.onnx', 'onnx/vision_model.onnx']);
    expect(first.repos.sam.files.map((f) => f.path)).toEqual(['onnx/vision_encoder.onnx', 'onnx/prompt_encoder_mask_decoder.onnx']);
    expect(first.downloadedBytes).toBeGreaterThan(5_000_000);

    const weights = hub.file(SD, 'unet/weights.pb');
    const pointer = join(sd.dir, 'unet/weights.pb');
    expect((await lstat(pointer)).isSymbolicLink()).toBe(true);
    expect(await readlink(pointer)).toBe(join('..', '..', '..', 'blobs', weights.sha256));
    const tokenizer = hub.file(CLIP, 'tokenizer.json');
    expect(tokenizer.lfs).toBe(false);
    expect(await readlink(join(first.repos.clip.dir, 'tokenizer.json'))).toBe(join('..', '..', 'blobs', tokenizer.gitSha1));
    expect((await readFile(join(cache, 'models--test-org--sd15-onnx', 'refs', 'main'), 'utf8')).trim()).toBe(sd.commit);
    const blobs = await readdir(join(cache, 'models--test-org--sd15-onnx', 'blobs'));
    expect(blobs.filter((b) => b.endsWith('.incomplete'))).toEqual([]);
    expect(createHash('sha256').update(await readFile(pointer)).digest('hex')).toBe(weights.sha256);

    const sentBefore = hub.bytesSent;
    const lfsBefore = lfsGets().length;
    const second = await pull(cache);
    expect(second.downloadedBytes).toBe(0);
    expect(Object.values(second.repos).flatMap((r) => r.files).every((f) => f.from === 'cache')).toBe(true);
    expect(hub.bytesSent).toBe(sentBefore);
    expect(lfsGets().length).toBe(lfsBefore);
  });

  it('resumes a download cut mid-file with an HTTP Range request, in the next run', async () => {
    const cache = await freshCache();
    const weights = hub.file(SD, 'unet/weights.pb');
    hub.cutNext(SD, 'unet/weights.pb', 1_000_000);
    const err = await hubError(pull(cache));
    expect(err.code).toBe('HUB_NETWORK');
    expect(err.message).toContain(`${SD}/unet/weights.pb`);
    expect(err.message).toContain('run the same command again to resume');
    const incomplete = join(cache, 'models--test-org--sd15-onnx', 'blobs', `${weights.sha256}.incomplete`);
    const kept = (await stat(incomplete)).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThanOrEqual(1_000_000);
    // nothing half-written in snapshots/
    await expect(lstat(join(cache, 'models--test-org--sd15-onnx', 'snapshots', hub.commitOf(SD), 'unet/weights.pb'))).rejects.toThrow();

    const second = await pull(cache);
    expect(lfsGets().some((r) => r.url.includes(weights.sha256) && r.range === `bytes=${kept}-`)).toBe(true);
    const file = second.repos.sd.files.find((f) => f.path === 'unet/weights.pb');
    expect(file).toMatchObject({ from: 'download', downloadedBytes: weights.size - kept });
    expect(createHash('sha256').update(await readFile(join(second.repos.sd.dir, 'unet/weights.pb'))).digest('hex')).toBe(weights.sha256);
  });

  it('starts over when the server answers a Range request with the whole file', async () => {
    const cache = await freshCache();
    const vae = hub.file(SD, 'vae_encoder/model.onnx');
    hub.cutNext(SD, 'vae_encoder/model.onnx', 300_000);
    expect((await hubError(pull(cache))).code).toBe('HUB_NETWORK');
    hub.ignoreRange(true);
    try {
      const result = await pull(cache);
      expect(result.repos.sd.files.find((f) => f.path === 'vae_encoder/model.onnx')?.downloadedBytes).toBe(vae.size);
      expect(createHash('sha256').update(await readFile(join(result.repos.sd.dir, 'vae_encoder/model.onnx'))).digest('hex')).toBe(vae.sha256);
    } finally {
      hub.ignoreRange(false);
    }
  });

  it('retries a dropped connection within the run (with Range) when retries are allowed', async () => {
    const cache = await freshCache();
    const vision = hub.file(CLIP, 'onnx/vision_model.onnx');
    hub.cutNext(CLIP, 'onnx/vision_model.onnx', 100_000);
    const result = await pull(cache, { retries: 2 });
    expect(lfsGets().some((r) => r.url.includes(vision.sha256) && r.range?.startsWith('bytes='))).toBe(true);
    const file = result.repos.clip.files.find((f) => f.path === 'onnx/vision_model.onnx');
    expect(file?.downloadedBytes).toBe(vision.size);
  });

  it('deletes a download whose sha256 differs from the hub\'s and says so', async () => {
    const cache = await freshCache();
    const vision = hub.file(CLIP, 'onnx/vision_model.onnx');
    hub.corruptNext(CLIP, 'onnx/vision_model.onnx');
    const err = await hubError(pull(cache));
    expect(err.code).toBe('HUB_CHECKSUM_MISMATCH');
    expect(err.message).toContain(`${CLIP}/onnx/vision_model.onnx`);
    expect(err.message).toContain(vision.sha256);
    expect(err.message).toContain('deleted');
    const repoDir = join(cache, 'models--test-org--clip-vit');
    expect((await readdir(join(repoDir, 'blobs'))).filter((b) => b.startsWith(vision.sha256))).toEqual([]);
    await expect(lstat(join(repoDir, 'snapshots', hub.commitOf(CLIP), 'onnx/vision_model.onnx'))).rejects.toThrow();
    // a small (non-LFS) file is checked against its git blob sha1
    const cache2 = await freshCache();
    hub.corruptNext(CLIP, 'tokenizer.json');
    const err2 = await hubError(pull(cache2));
    expect(err2.code).toBe('HUB_CHECKSUM_MISMATCH');
    expect(err2.message).toContain('tokenizer.json');
    // and the next run is clean: it downloads the deleted file again
    expect((await pull(cache)).downloadedBytes).toBeGreaterThan(0);
  });

  it('gated, missing and misnamed repositories, revisions and files fail with typed errors that say what to do', async () => {
    const cache = await freshCache();
    const gated = { ...repos, sam: { repo: GATED } };
    const sent = hub.bytesSent;
    const noToken = await hubError(pull(cache, { repos: gated }));
    expect(noToken.code).toBe('HUB_UNAUTHORIZED');
    expect(hub.bytesSent).toBe(sent); // found out before downloading SD and CLIP
    expect(noToken.message).toContain(GATED);
    expect(noToken.message).toContain('HF_TOKEN');
    const wrongToken = await hubError(pull(cache, { repos: gated, token: 'hf_other' }));
    expect(wrongToken.code).toBe('HUB_FORBIDDEN');
    expect(wrongToken.message).toContain(`${hub.endpoint}/${GATED}`);

    const granted = await pull(cache, { repos: gated, token: 'hf_granted' });
    expect(granted.repos.sam.files).toHaveLength(2);
    // the token went to the hub only, never to the LFS host the hub redirected to
    expect(hub.requests.some((r) => r.server === 'hub' && r.authorization === 'Bearer hf_granted')).toBe(true);
    expect(hub.requests.filter((r) => r.server === 'lfs').every((r) => r.authorization === undefined)).toBe(true);

    const missing = { ...repos, clip: { repo: 'nobody/no-such-model' } };
    const anonymous = await hubError(pull(cache, { repos: missing }));
    expect(anonymous.code).toBe('HUB_UNAUTHORIZED'); // the hub answers 401 for unknown repos without a token
    expect(anonymous.message).toContain('nobody/no-such-model');
    const withToken = await hubError(pull(cache, { repos: missing, token: 'hf_granted' }));
    expect(withToken.code).toBe('HUB_REPO_NOT_FOUND');
    expect(withToken.message).toContain('nobody/no-such-model');
    expect(withToken.message).toContain('--clip-repo');

    const badRevision = await hubError(pull(cache, { repos: { ...repos, sd: { repo: SD, revision: 'v9' } } }));
    expect(badRevision.code).toBe('HUB_REVISION_NOT_FOUND');
    expect(badRevision.message).toContain("'v9'");
    expect(badRevision.message).toContain('--sd-revision');

    // a repository without the files prepare needs: named before anything is downloaded
    const wrongRepo = await hubError(pull(cache, { repos: { ...repos, sd: { repo: CLIP } } }));
    expect(wrongRepo.code).toBe('HUB_FILE_NOT_FOUND');
    expect(wrongRepo.message).toContain('text_encoder/model.onnx');
    expect(wrongRepo.message).toContain('--sd-repo');
    // a 404 from the resolve endpoint names the file
    const client = new HubClient({ endpoint: hub.endpoint });
    const notThere = await hubError(client.fileMetadata(SD, 'main', 'unet/model_fp16.onnx'));
    expect(notThere.code).toBe('HUB_FILE_NOT_FOUND');
    expect(notThere.message).toContain(`unet/model_fp16.onnx not found in ${SD}`);
  });

  it('never lets two processes append to the same partial file, and takes over a dead process\'s lock', async () => {
    const cache = await freshCache();
    const text = hub.file(SD, 'text_encoder/model.onnx');
    const locks = join(cache, '.locks', 'models--test-org--sd15-onnx');
    await mkdir(locks, { recursive: true });
    await writeFile(join(locks, `${text.sha256}.refdiff-lock`), `${process.ppid}@${hostname()}`);
    const err = await hubError(pull(cache));
    expect(err.code).toBe('HUB_LOCKED');
    expect(err.message).toContain(`${SD}/text_encoder/model.onnx is being downloaded`);
    expect(err.message).toContain(String(process.ppid));
    // a lock left by a process that is gone (a crash, a kill -9) is stale
    await writeFile(join(locks, `${text.sha256}.refdiff-lock`), `2147483646@${hostname()}`);
    const taken = await pull(cache);
    expect(taken.repos.sd.files.map((f) => f.path)).toContain('text_encoder/model.onnx');
    expect(await readdir(locks)).toEqual([]);
  });

  it('refuses to start a download the disk cannot hold', async () => {
    const cache = await freshCache();
    const err = await hubError(pull(cache, { freeBytes: async () => 1000 }));
    expect(err.code).toBe('HUB_DISK_FULL');
    expect(err.message).toMatch(/no space left for test-org\/sd15-onnx\/text_encoder\/model\.onnx/);
    expect(err.message).toContain('HF_HUB_CACHE');
  });

  it('uses a cache written by huggingface-cli without downloading, online and offline', async () => {
    const cache = await freshCache();
    // lay the cache out by hand, exactly as huggingface_hub does (blobs by sha256 / git sha1, relative symlinks, refs)
    for (const [id, sub] of [[SD, 'sd15'], [CLIP, 'clip'], [SAM, 'sam']] as const) {
      const repoDir = join(cache, `models--${id.replace('/', '--')}`);
      const commit = hub.commitOf(id);
      const src = join(copy.dir, sub);
      for (const e of await readdir(src, { recursive: true, withFileTypes: true })) {
        if (!e.isFile()) continue;
        const path = relative(src, join(e.parentPath, e.name));
        const meta = hub.file(id, path);
        const blob = join(repoDir, 'blobs', meta.lfs ? meta.sha256 : meta.gitSha1);
        await mkdir(dirname(blob), { recursive: true });
        await writeFile(blob, await readFile(join(src, path)));
        const pointer = join(repoDir, 'snapshots', commit, path);
        await mkdir(dirname(pointer), { recursive: true });
        await symlink(relative(dirname(pointer), blob), pointer);
      }
      await mkdir(join(repoDir, 'refs'), { recursive: true });
      await writeFile(join(repoDir, 'refs', 'main'), commit);
    }
    const sent = hub.bytesSent;
    const lfsBefore = hub.requests.filter((r) => r.server === 'lfs').length;
    const online = await pull(cache);
    expect(online.downloadedBytes).toBe(0);
    expect(hub.bytesSent).toBe(sent);
    expect(hub.requests.filter((r) => r.server === 'lfs').length).toBe(lfsBefore);

    const requestsBefore = hub.requests.length;
    const offline = await pull(cache, { offline: true });
    expect(hub.requests.length).toBe(requestsBefore);
    expect(offline.repos.sd.dir).toBe(online.repos.sd.dir);
    // the hub unreachable: the complete snapshot still serves
    const unreachable = await pull(cache, { endpoint: 'http://127.0.0.1:9' });
    expect(Object.values(unreachable.repos).every((r) => r.offline)).toBe(true);
    // offline with an empty cache: a clear error
    const empty = await hubError(pull(await freshCache(), { offline: true }));
    expect(empty.code).toBe('HUB_NOT_CACHED');
    expect(empty.message).toContain(SD);
  });
});
