/**
 * `refdiff models inspect`: the pack's contract in words, and a check of every file against the manifest —
 * presence, size, sha256, and (with sessions) that each graph loads and has the manifest's tensors.
 */
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readGraphSummary } from '../onnx/wire';
import { deriveGraphConstants, type GraphConstants, type GraphRole } from '../prepare/graph-constants';
import { checkPackFiles, readManifest, sha256Bytes, type FileCheck, type VerifyMode } from '../manifest/manifest-io';
import { MODEL_ROLES, type Manifest } from '../manifest/manifest.schema';
import { contractProblems } from '../pack/pack-session';
import { createOnnxRuntime } from '../runtime/onnx-runtime';
import type { ModelRuntime, TensorSpec } from '../runtime/runtime.types';
import { describeShape } from '../runtime/shape-check';

export interface InspectOptions {
  readonly verify?: VerifyMode;
  /** load every graph with onnxruntime (CPU) and compare its tensors with the manifest (default true) */
  readonly sessions?: boolean;
  readonly runtime?: ModelRuntime;
}

export interface Inspection {
  readonly manifest: Manifest;
  readonly manifestSha256: string;
  readonly files: readonly FileCheck[];
  /** every problem found, each naming its file or tensor; empty when the pack is sound */
  readonly problems: readonly string[];
  /** the constants re-derived from the graphs (with sessions, when every graph loaded) */
  readonly derived?: GraphConstants;
}

export async function inspectPack(dir: string, options: InspectOptions = {}): Promise<Inspection> {
  const packDir = resolve(dir);
  const { manifest, text } = await readManifest(packDir);
  const files = await checkPackFiles(packDir, manifest, options.verify ?? 'sha256');
  const problems = files.filter((f) => !f.ok).map((f) => `${f.path}: ${f.problem}`);
  let derived: GraphConstants | undefined;
  if (options.sessions ?? true) {
    const runtime = options.runtime ?? createOnnxRuntime({ executionProvider: 'cpu', graphOptimization: 'basic', quiet: true });
    const bad = new Set(files.filter((f) => !f.ok).map((f) => f.path));
    for (const role of MODEL_ROLES) {
      const entry = manifest.models[role];
      if ([entry.file, ...entry.externalData].some((p) => bad.has(p))) continue;
      try {
        const s = await runtime.load(join(packDir, entry.file), role);
        problems.push(...contractProblems(role, entry, s));
        await s.dispose();
      } catch (err) {
        problems.push(`${role} (${entry.file}): ${(err as Error).message}`);
      }
    }
    if (problems.length === 0) {
      const checked = await constantProblems(packDir, manifest, runtime);
      problems.push(...checked.problems);
      derived = checked.derived;
    }
  }
  return { manifest, manifestSha256: sha256Bytes(text), files, problems, ...(derived ? { derived } : {}) };
}

/**
 * Re-derives from the pack's graphs what prepare read from them (graph-constants.ts) and lists every constant of
 * the manifest that differs, and every disagreement between the pack's models.
 */
async function constantProblems(packDir: string, manifest: Manifest, runtime: ModelRuntime): Promise<{ problems: string[]; derived?: GraphConstants }> {
  const roles: GraphRole[] = ['sdTextEncoder', 'vaeEncoder', 'unet', 'clipText', 'clipVision', 'samEncoder', 'samDecoder'];
  const graphs = Object.fromEntries(
    await Promise.all(
      roles.map(async (role) => {
        const path = join(packDir, manifest.models[role].file);
        return [role, { path, label: manifest.models[role].file, summary: readGraphSummary(await readFile(path), manifest.models[role].file) }] as const;
      }),
    ),
  ) as Record<GraphRole, { path: string; label: string; summary: ReturnType<typeof readGraphSummary> }>;
  const t = manifest.tokenizer;
  const c = manifest.constants;
  let d;
  try {
    d = await deriveGraphConstants({
      graphs,
      tokenizer: { label: t.file, json: await readFile(join(packDir, t.file), 'utf8'), startId: t.startId, endId: t.endId, padId: t.padId },
      contextLength: t.contextLength,
      clipImageSize: c.clip.imageSize,
      vaeVariant: manifest.models.vaeEncoder.variant,
      samVariant: manifest.models.samDecoder.variant,
      runtime,
    });
  } catch (err) {
    return { problems: [`models disagree: ${(err as Error).message}`] };
  }
  const problems: string[] = [];
  const compare = (field: string, manifestValue: number, graphValue: number | undefined, file: string) => {
    if (graphValue !== undefined && graphValue !== manifestValue) problems.push(`constants.${field} is ${manifestValue} in the manifest, but ${file} says ${graphValue}`);
  };
  compare('sd.vaeDownsample', c.sd.vaeDownsample, d.sd.vaeDownsample, graphs.vaeEncoder.label);
  compare('sd.latentChannels', c.sd.latentChannels, d.sd.latentChannels, graphs.vaeEncoder.label);
  compare('sd.textHiddenSize', c.sd.textHiddenSize, d.sd.textHiddenSize, graphs.sdTextEncoder.label);
  compare('clip.embedDim', c.clip.embedDim, d.clip.embedDim, graphs.clipText.label);
  compare('sam.inputSize', c.sam.inputSize, d.sam.inputSize, graphs.samEncoder.label);
  compare('sam.lowResSize', c.sam.lowResSize, d.sam.lowResSize, graphs.samDecoder.label);
  if (!d.sd.vaeDeterministic) problems.push(`${graphs.vaeEncoder.label}: two runs on the same image gave different latents (the VAE samples; prepare the pack again)`);
  return { problems, derived: d };
}

const tensors = (ts: readonly TensorSpec[]) => ts.map((t) => `${t.name} ${t.dtype} ${describeShape(t.shape)}`);

export function formatInspection(dir: string, inspection: Inspection): string {
  const { manifest: m } = inspection;
  const lines: string[] = [];
  lines.push(`model pack ${resolve(dir)}`);
  lines.push(`  name ${m.name}   schema v${m.schemaVersion}   manifest sha256 ${inspection.manifestSha256}`);
  lines.push('files:');
  for (const f of m.files) {
    const check = inspection.files.find((c) => c.path === f.path);
    const status = check?.ok ? 'ok' : `FAIL ${check?.problem ?? ''}`;
    const src = `${f.source.origin}:${f.source.export ? `${f.source.export}/` : ''}${f.source.path}`;
    lines.push(`  ${f.path}  ${f.bytes} B  ${f.sha256.slice(0, 12)}…  ${f.transform} from ${src}  [${status}]`);
  }
  lines.push(`tokenizer: ${m.tokenizer.file}  context ${m.tokenizer.contextLength}  start ${m.tokenizer.startId}  end ${m.tokenizer.endId}  pad ${m.tokenizer.padId}`);
  lines.push('models:');
  for (const role of MODEL_ROLES) {
    const e = m.models[role];
    const extra = 'variant' in e ? `  variant ${e.variant}` : '';
    lines.push(`  ${role}: ${e.file}${e.externalData.length ? ` (+ ${e.externalData.join(', ')})` : ''}${extra}`);
    for (const t of tensors(e.inputs)) lines.push(`    in  ${t}`);
    for (const t of tensors(e.outputs)) lines.push(`    out ${t}`);
  }
  lines.push('cross-attention readouts (UNet):');
  for (const a of m.models.unet.attention) {
    const kinds = [a.logits ? 'logits' : '', a.probs ? 'probs' : ''].filter(Boolean).join('+');
    lines.push(`  ${a.layer}  level /${a.level}  ${a.heads} heads  layout ${a.layout}  ${kinds}`);
  }
  const mv = m.models.clipVisionMasked;
  lines.push(`masked CLIP vision: input ${mv.biasInput} [batch, 1, ${mv.tokens}, ${mv.tokens}], blocked bias ${mv.blockedBias}`);
  lines.push(`constants: ${JSON.stringify(m.constants)}`);
  const d = inspection.derived;
  if (d) {
    lines.push(
      `read from the graphs: VAE ×${d.sd.vaeDownsample} to ${d.sd.latentChannels} channels (${d.sd.vaeDeterministic ? 'deterministic' : 'SAMPLES'}), ` +
        `SD text width ${d.sd.textHiddenSize}${d.sd.crossAttentionWidth !== undefined ? ` (UNet cross-attention ${d.sd.crossAttentionWidth})` : ''}, ` +
        `CLIP projection ${d.clip.embedDim}, SAM ${d.sam.inputSize ?? '?'} px → embeddings [${d.sam.embedding?.join(', ') ?? '?'}], low-res ${d.sam.lowResSize}, ` +
        `tokenizer ids ≤ ${d.tokens.tokenizerMaxId}, vocabularies ${JSON.stringify(d.tokens.vocab)}, positions ${JSON.stringify(d.tokens.positions)}`,
    );
  }
  lines.push(
    inspection.problems.length
      ? `${inspection.problems.length} problem(s):`
      : `ok: every file matches the manifest${d ? ', and its constants equal what the graphs say' : ''}`,
  );
  for (const p of inspection.problems) lines.push(`  ${p}`);
  return `${lines.join('\n')}\n`;
}
