/**
 * deploy/kubernetes rendered offline (tools/kustomize.ts) and checked (tools/check.ts): every object against the
 * Kubernetes/KEDA schemas, every container's environment against its app's zod schema, the cross-references; and
 * the checks themselves bite (a typo'd variable, a missing DATABASE_URL, a bad value, a non-headless worker
 * Service fail). The Grafana dashboard and the KEDA query name only metrics the apps export.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { GatewayMetrics } from '@refdiff/gateway/metrics';
import { WorkerMetrics } from '@refdiff/gpu-worker/metrics';
import { checkManifests } from '../tools/check';
import { containersOf, imageApps, render, type K8sObject } from '../tools/kustomize';

const k8s = fileURLToPath(new URL('../kubernetes/', import.meta.url));
const apps = imageApps(`${k8s}base`);
const OVERLAYS = ['base', 'overlays/cpu-demo', 'overlays/gpu'];

function kubectlKustomize(dir: string): unknown[] | null {
  try {
    const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return parseAllDocuments(out).map((d) => d.toJS() as unknown);
  } catch {
    return null;
  }
}
const hasKubectl = kubectlKustomize(`${k8s}base`) !== null;

const find = (objects: K8sObject[], kind: string, name: string) => {
  const o = objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`${kind}/${name} missing`);
  return o;
};
const container = (objects: K8sObject[], name: string) => containersOf(find(objects, 'Deployment', name))[0];

describe('deploy/kubernetes', () => {
  it.each(OVERLAYS)('%s renders and passes every check', (dir) => {
    const objects = render(`${k8s}${dir}`);
    expect(checkManifests(objects, apps)).toEqual([]);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(
      expect.arrayContaining([
        'Deployment/refdiff-gateway',
        'Deployment/refdiff-worker',
        'Service/refdiff-worker',
        'PodDisruptionBudget/refdiff-gateway',
        'PodDisruptionBudget/refdiff-worker',
        'HorizontalPodAutoscaler/refdiff-gateway',
        'ScaledObject/refdiff-worker',
      ]),
    );
    expect((find(objects, 'Deployment', 'refdiff-gateway').spec as { replicas: number }).replicas).toBeGreaterThanOrEqual(2);
    expect(container(objects, 'refdiff-worker').image).toBe('registry.example.com/refdiff/gpu-worker:placeholder');
  });

  it('gpu: one GPU per worker, GPU nodes, CUDA, the pack read-only from the PVC', () => {
    const objects = render(`${k8s}overlays/gpu`);
    const w = find(objects, 'Deployment', 'refdiff-worker');
    const c = containersOf(w)[0];
    expect((c.resources as { limits: Record<string, unknown> }).limits['nvidia.com/gpu']).toBe(1);
    const env = Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));
    expect(env.REFDIFF_EXECUTION_PROVIDER).toBe('cuda');
    expect(env.REFDIFF_MODEL_PACK).toBe('/models/sd15-sam-clip');
    const pod = (w.spec as { template: { spec: Record<string, unknown> } }).template.spec;
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(pod.nodeSelector).toBeDefined();
    find(objects, 'PersistentVolumeClaim', 'refdiff-models');
    // the base is not changed by rendering an overlay
    expect(containersOf(find(render(`${k8s}base`), 'Deployment', 'refdiff-worker'))[0].resources).not.toHaveProperty('limits.nvidia\\.com/gpu');
  });

  it('cpu-demo: the fixture pack (no REFDIFF_MODEL_PACK), a database and its Secret', () => {
    const objects = render(`${k8s}overlays/cpu-demo`);
    const env = (container(objects, 'refdiff-worker').env ?? []).map((e) => e.name);
    expect(env).not.toContain('REFDIFF_MODEL_PACK');
    find(objects, 'Secret', 'refdiff-database');
    find(objects, 'Service', 'refdiff-postgres');
    // Image bytes in the demo's MinIO, with the keys from its Secret.
    find(objects, 'Secret', 'refdiff-object-store');
    find(objects, 'Job', 'refdiff-minio-bucket');
    const gw = Object.fromEntries((container(objects, 'refdiff-gateway').env ?? []).map((e) => [e.name, e]));
    expect(gw.IMAGE_STORE.value).toBe('s3://refdiff-images/images');
    expect(gw.AWS_ENDPOINT_URL_S3.value).toBe(`http://${find(objects, 'Service', 'refdiff-minio').metadata.name}:9000`);
    expect(gw.AWS_SECRET_ACCESS_KEY.valueFrom).toEqual({ secretKeyRef: { name: 'refdiff-object-store', key: 'secret-access-key', optional: true } });
  });

  it('fails on an unknown variable, a missing required one, a refused value, a broken reference, a bad schema', () => {
    const broken = (edit: (objects: K8sObject[]) => void) => {
      const objects = render(`${k8s}overlays/gpu`);
      edit(objects);
      return checkManifests(objects, apps).join('\n');
    };
    expect(broken((o) => container(o, 'refdiff-gateway').env?.push({ name: 'WORKER', value: 'x:1' }))).toMatch(/sets WORKER, which the app does not read/);
    expect(broken((o) => container(o, 'refdiff-worker').env?.push({ name: 'REFDIFF_THREAD', value: '2' }))).toMatch(/REFDIFF_THREAD, which the app/);
    expect(
      broken((o) => {
        const c = container(o, 'refdiff-gateway');
        c.env = c.env?.filter((e) => e.name !== 'DATABASE_URL');
      }),
    ).toMatch(/does not set DATABASE_URL/);
    expect(broken((o) => container(o, 'refdiff-worker').env?.push({ name: 'REFDIFF_EXECUTION_PROVIDER', value: 'rocm' }))).toMatch(/REFDIFF_EXECUTION_PROVIDER/);
    expect(
      broken((o) => {
        const e = container(o, 'refdiff-gateway').env?.find((x) => x.name === 'PORT');
        if (e) e.value = 'eighty';
      }),
    ).toMatch(/PORT: expected a non-negative integer/);
    expect(
      broken((o) => {
        const c = container(o, 'refdiff-gateway');
        c.env = c.env?.filter((e) => e.name !== 'AWS_REGION');
      }),
    ).toMatch(/IMAGE_STORE=s3:\/\/refdiff-images\/images needs AWS_REGION/);
    expect(
      broken((o) => {
        const e = container(o, 'refdiff-gateway').env?.find((x) => x.name === 'IMAGE_STORE');
        if (e) e.value = 'gcs://x';
      }),
    ).toMatch(/IMAGE_STORE: expected fs:<dir>, s3:\/\/bucket\/prefix or database, got "gcs:\/\/x"/);
    expect(broken((o) => delete (find(o, 'Service', 'refdiff-worker').spec as Record<string, unknown>).clusterIP)).toMatch(/not headless/);
    expect(broken((o) => ((find(o, 'Deployment', 'refdiff-worker').spec as { template: { spec: Record<string, unknown> } }).template.spec.terminationGracePeriodSeconds = 10))).toMatch(/does not cover the drain/);
    expect(broken((o) => ((find(o, 'Service', 'refdiff-gateway').spec as { ports: { port: unknown }[] }).ports[0].port = 'http'))).toMatch(/Service\/refdiff-gateway: .*integer/);
    expect(broken((o) => ((find(o, 'ScaledObject', 'refdiff-worker').spec as { scaleTargetRef: { name: string } }).scaleTargetRef.name = 'nope'))).toMatch(/target nope/);
    expect(broken((o) => o.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }))).toMatch(/no schema/);
  });

  it('the Grafana dashboard and the KEDA query name only metrics the apps export', async () => {
    const names = new Set<string>();
    for (const registry of [new GatewayMetrics().registry, new WorkerMetrics().registry]) {
      for (const m of await registry.getMetricsAsJSON()) names.add(m.name);
    }
    const base = (n: string) => n.replace(/_(bucket|sum|count)$/, '');
    const used = (text: string) => [...new Set(text.match(/refdiff_(gateway|worker)_[a-z_]+/g) ?? [])];
    const dashboard = readFileSync(new URL('../grafana/refdiff.json', import.meta.url), 'utf8');
    JSON.parse(dashboard);
    const inDashboard = used(dashboard);
    expect(inDashboard.length).toBeGreaterThan(15);
    expect(inDashboard.filter((n) => !names.has(n) && !names.has(base(n)))).toEqual([]);
    const so = find(render(`${k8s}base`), 'ScaledObject', 'refdiff-worker');
    const query = JSON.stringify(so.spec);
    expect(used(query).filter((n) => !names.has(n))).toEqual([]);
  });
});

describe.runIf(hasKubectl)('tools/kustomize.ts against kubectl kustomize (where kubectl is installed)', () => {
  it.each(OVERLAYS)('%s renders the same objects', (dir) => {
    const theirs = kubectlKustomize(`${k8s}${dir}`) as K8sObject[];
    const ours = render(`${k8s}${dir}`);
    const key = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;
    expect(ours.map(key).sort()).toEqual(theirs.map(key).sort());
    for (const o of ours) expect(isDeepStrictEqual(JSON.parse(JSON.stringify(o)), theirs.find((t) => key(t) === key(o))), key(o)).toBe(true);
  });
});
