/**
 * The subset of kustomize that deploy/kubernetes uses, so tests render the overlays offline with no kubectl:
 * `resources` (YAML files, multi-document, or directories holding a kustomization.yaml), `patches` given as a
 * `path` to a JSON 6902 patch (YAML list of add/replace/remove ops) with a `target` kind and name, and `images`
 * (name → newName/newTag). Any other field is refused, so a manifest never relies on something this renderer would
 * silently skip; `kubectl kustomize` renders the same files the same way.
 */
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: unknown;
}

interface Kustomization {
  apiVersion?: string;
  kind?: string;
  resources?: string[];
  patches?: { path: string; target: { kind: string; name: string } }[];
  images?: { name: string; newName?: string; newTag?: string }[];
}

const KNOWN = new Set(['apiVersion', 'kind', 'resources', 'patches', 'images']);

export class KustomizeError extends Error {
  override readonly name = 'KustomizeError';
}

function readYamlDocs(file: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  const out: unknown[] = [];
  for (const d of docs) {
    if (d.errors.length > 0) throw new KustomizeError(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
    const v = d.toJS() as unknown;
    if (v !== null && v !== undefined) out.push(v);
  }
  return out;
}

/** Renders the kustomization in `dir` to its objects. */
export function render(dir: string): K8sObject[] {
  const root = resolve(dir);
  const [k] = readYamlDocs(join(root, 'kustomization.yaml')) as Kustomization[];
  if (!k || typeof k !== 'object') throw new KustomizeError(`${root}: empty kustomization.yaml`);
  const unknown = Object.keys(k).filter((key) => !KNOWN.has(key));
  if (unknown.length > 0) throw new KustomizeError(`${root}/kustomization.yaml: fields not supported by deploy/tools/kustomize.ts: ${unknown.join(', ')}`);
  const objects: K8sObject[] = [];
  for (const r of k.resources ?? []) {
    const p = resolve(root, r);
    if (statSync(p).isDirectory()) objects.push(...render(p));
    else {
      for (const doc of readYamlDocs(p)) {
        const o = doc as K8sObject;
        if (!o.apiVersion || !o.kind || !o.metadata?.name) throw new KustomizeError(`${p}: a document without apiVersion, kind or metadata.name`);
        objects.push(o);
      }
    }
  }
  for (const patch of k.patches ?? []) {
    const ops = readYamlDocs(resolve(root, patch.path))[0] as Op[];
    const targets = objects.filter((o) => o.kind === patch.target.kind && o.metadata.name === patch.target.name);
    if (targets.length === 0) throw new KustomizeError(`${patch.path}: no ${patch.target.kind}/${patch.target.name} to patch`);
    for (const t of targets) for (const op of ops) applyOp(t, op, patch.path);
  }
  for (const image of k.images ?? []) {
    for (const o of objects) {
      for (const c of containersOf(o)) {
        const [name, tag] = splitImage(c.image);
        if (name !== image.name) continue;
        c.image = `${image.newName ?? name}${image.newTag ?? tag ? `:${image.newTag ?? tag}` : ''}`;
      }
    }
  }
  return objects;
}

function splitImage(image: string): [string, string | undefined] {
  const at = image.lastIndexOf(':');
  return at > image.lastIndexOf('/') ? [image.slice(0, at), image.slice(at + 1)] : [image, undefined];
}

export interface Container {
  name: string;
  image: string;
  env?: { name: string; value?: string; valueFrom?: unknown }[];
  [key: string]: unknown;
}

/** The pod spec of a workload (Deployment, StatefulSet, DaemonSet, Job), or undefined. */
export function podSpecOf(o: K8sObject): Record<string, unknown> | undefined {
  const spec = o.spec as { template?: { spec?: Record<string, unknown> } } | undefined;
  return spec?.template?.spec;
}

export function containersOf(o: K8sObject): Container[] {
  const pod = podSpecOf(o);
  if (!pod) return [];
  return [...((pod.initContainers as Container[] | undefined) ?? []), ...((pod.containers as Container[] | undefined) ?? [])];
}

interface Op {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
}

function applyOp(doc: K8sObject, op: Op, file: string): void {
  if (!['add', 'replace', 'remove'].includes(op.op)) throw new KustomizeError(`${file}: op "${op.op}" is not supported`);
  const parts = op.path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = parts.pop();
  if (last === undefined) throw new KustomizeError(`${file}: empty path`);
  let node: unknown = doc;
  for (const p of parts) {
    node = Array.isArray(node) ? node[Number(p)] : (node as Record<string, unknown> | undefined)?.[p];
    if (node === undefined || node === null) throw new KustomizeError(`${file}: ${op.path}: "${p}" does not exist`);
  }
  const value = structuredClone(op.value);
  if (Array.isArray(node)) {
    const i = last === '-' ? node.length : Number(last);
    if (!Number.isInteger(i) || i < 0 || i > node.length || (op.op !== 'add' && i >= node.length)) throw new KustomizeError(`${file}: ${op.path}: bad index`);
    if (op.op === 'add') node.splice(i, 0, value);
    else if (op.op === 'replace') node[i] = value;
    else node.splice(i, 1);
    return;
  }
  const obj = node as Record<string, unknown>;
  if (op.op !== 'add' && !(last in obj)) throw new KustomizeError(`${file}: ${op.path} does not exist`);
  if (op.op === 'remove') delete obj[last];
  else obj[last] = value;
}

/** The base's `images` entries as rendered image → placeholder name (which app a container runs). */
export function imageApps(baseDir: string): Record<string, string> {
  const [k] = readYamlDocs(join(resolve(baseDir), 'kustomization.yaml')) as Kustomization[];
  return Object.fromEntries((k?.images ?? []).map((i) => [`${i.newName ?? i.name}${i.newTag ? `:${i.newTag}` : ''}`, i.name]));
}
