/** Reading, validating and writing manifest.json; verifying pack files against it. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelPackError } from '../errors';
import {
  MANIFEST_FILE,
  MANIFEST_SCHEMA_VERSION,
  MODEL_ROLES,
  manifestSchema,
  type Manifest,
} from './manifest.schema';

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 22 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function sha256Bytes(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('') || '(root)';
}

/**
 * Parses manifest text: a newer schema version is refused first (with what to do), then every schema problem is
 * listed at once, each naming its field; then cross-references (every model file and external data file, and
 * the tokenizer, is listed in `files`; attention readouts name outputs of the UNet) are checked.
 */
export function parseManifest(text: string, where = MANIFEST_FILE): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ModelPackError('MANIFEST_INVALID', `${where}: not valid JSON (${(err as Error).message})`);
  }
  const version = (raw as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && version > MANIFEST_SCHEMA_VERSION) {
    throw new ModelPackError(
      'MANIFEST_VERSION_UNSUPPORTED',
      `${where}: schemaVersion ${version} is newer than this refdiff understands (${MANIFEST_SCHEMA_VERSION}); ` +
        'upgrade refdiff, or re-create the pack with this version (`refdiff models prepare`)',
    );
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${formatPath(i.path)}: ${i.message}`);
    throw new ModelPackError('MANIFEST_INVALID', `${where} is not a valid model-pack manifest:\n${lines.join('\n')}`);
  }
  const m = parsed.data;
  const problems: string[] = [];
  const listed = new Set(m.files.map((f) => f.path));
  const seen = new Set<string>();
  for (const f of m.files) {
    if (seen.has(f.path)) problems.push(`files: '${f.path}' is listed twice`);
    seen.add(f.path);
  }
  if (!listed.has(m.tokenizer.file)) problems.push(`tokenizer.file: '${m.tokenizer.file}' is not listed in files`);
  for (const role of MODEL_ROLES) {
    const model = m.models[role];
    for (const p of [model.file, ...model.externalData]) {
      if (!listed.has(p)) problems.push(`models.${role}: '${p}' is not listed in files`);
    }
  }
  const unetOutputs = new Set(m.models.unet.outputs.map((o) => o.name));
  m.models.unet.attention.forEach((a, i) => {
    if (!a.logits && !a.probs) problems.push(`models.unet.attention[${i}] (${a.layer}): needs logits or probs`);
    for (const t of [a.logits, a.probs]) {
      if (t && !unetOutputs.has(t)) {
        problems.push(`models.unet.attention[${i}] (${a.layer}): '${t}' is not an output of models.unet`);
      }
    }
  });
  if (!m.models.clipVisionMasked.inputs.some((i) => i.name === m.models.clipVisionMasked.biasInput)) {
    problems.push(`models.clipVisionMasked.biasInput: '${m.models.clipVisionMasked.biasInput}' is not an input`);
  }
  if (problems.length) {
    throw new ModelPackError('MANIFEST_INVALID', `${where} is inconsistent:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
  return m;
}

/** Serialises a manifest deterministically (fixed key order from the schema, 2-space indent, final newline). */
export function serializeManifest(manifest: Manifest): string {
  return `${JSON.stringify(manifestSchema.parse(manifest), null, 2)}\n`;
}

export async function readManifest(packDir: string): Promise<{ manifest: Manifest; text: string }> {
  const path = join(packDir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ModelPackError(
      'MANIFEST_MISSING',
      code === 'ENOENT'
        ? `${path} does not exist: ${packDir} is not a model pack (create one with \`refdiff models prepare\` or \`refdiff models make-fixture\`)`
        : `cannot read ${path}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  return { manifest: parseManifest(text, path), text };
}

export type VerifyMode = 'sha256' | 'size';

export interface FileCheck {
  readonly path: string;
  readonly ok: boolean;
  readonly problem?: string;
}

/**
 * Checks every file the manifest lists: present, the listed size, and (mode sha256) the listed checksum.
 * Returns one result per file so `inspect` can print them all.
 */
export async function checkPackFiles(packDir: string, manifest: Manifest, mode: VerifyMode = 'sha256'): Promise<FileCheck[]> {
  const results: FileCheck[] = [];
  for (const f of manifest.files) {
    const abs = join(packDir, f.path);
    let size: number;
    try {
      size = (await stat(abs)).size;
    } catch {
      results.push({ path: f.path, ok: false, problem: `missing: ${abs} does not exist (or is a broken link)` });
      continue;
    }
    if (size !== f.bytes) {
      results.push({ path: f.path, ok: false, problem: `size ${size} bytes, manifest says ${f.bytes}` });
      continue;
    }
    if (mode === 'sha256') {
      const sum = await sha256File(abs);
      if (sum !== f.sha256) {
        results.push({ path: f.path, ok: false, problem: `sha256 ${sum}, manifest says ${f.sha256}` });
        continue;
      }
    }
    results.push({ path: f.path, ok: true });
  }
  return results;
}

/** Throws on the first problem with pack files (missing → FILE_MISSING, else CHECKSUM_MISMATCH), listing all. */
export async function verifyPackFiles(packDir: string, manifest: Manifest, mode: VerifyMode = 'sha256'): Promise<void> {
  const bad = (await checkPackFiles(packDir, manifest, mode)).filter((r) => !r.ok);
  if (bad.length === 0) return;
  const missing = bad.some((b) => b.problem?.startsWith('missing'));
  throw new ModelPackError(
    missing ? 'FILE_MISSING' : 'CHECKSUM_MISMATCH',
    `model pack ${packDir} does not match its manifest:\n${bad.map((b) => `  ${b.path}: ${b.problem}`).join('\n')}\n` +
      'Re-create the pack (`refdiff models prepare` / `make-fixture`) or restore the files.',
  );
}
