/**
 * Offline checks of rendered manifests (deploy/kubernetes): every object against its Kubernetes or KEDA API schema
 * (kubernetes-models), every container's environment against its app's zod schema (names it does not know, names a
 * deployment must set, literal values it would refuse), and the references between objects (Service and PDB
 * selectors, autoscaler targets, WORKERS' DNS name, PVC claims, grace periods that cover the drains).
 */
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { PersistentVolumeClaim, Secret, Service } from 'kubernetes-models/v1';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1';
import { DEPLOYMENT_REQUIRED_ENV as GATEWAY_REQUIRED, envSchema as gatewayEnv } from '@refdiff/gateway/env';
import { DEPLOYMENT_REQUIRED_ENV as WORKER_REQUIRED, envSchema as workerEnv } from '@refdiff/gpu-worker/env';
import type { z } from 'zod';
import { containersOf, podSpecOf, type Container, type K8sObject } from './kustomize';

type Model = new (data: never) => { validate(): void };
const MODELS: Record<string, Model> = {
  'apps/v1/Deployment': Deployment as unknown as Model,
  'batch/v1/Job': Job as unknown as Model,
  'v1/Service': Service as unknown as Model,
  'v1/Secret': Secret as unknown as Model,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim as unknown as Model,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget as unknown as Model,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler as unknown as Model,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject as unknown as Model,
};

interface App {
  schema: z.ZodObject<z.ZodRawShape>;
  required: readonly string[];
}
/** Which app a container runs, by its image's placeholder name (base/kustomization.yaml `images`). */
export const APPS: Record<string, App> = {
  'refdiff-gateway': { schema: gatewayEnv as unknown as z.ZodObject<z.ZodRawShape>, required: GATEWAY_REQUIRED },
  'refdiff-gpu-worker': { schema: workerEnv as unknown as z.ZodObject<z.ZodRawShape>, required: WORKER_REQUIRED },
};

const id = (o: K8sObject) => `${o.kind}/${o.metadata.name}`;

/** Every problem found, as readable lines (empty = fine). `imageApps` maps rendered image names to app keys. */
export function checkManifests(objects: readonly K8sObject[], imageApps: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const o of objects) {
    if (seen.has(id(o))) problems.push(`${id(o)}: defined twice`);
    seen.add(id(o));
    const Model = MODELS[`${o.apiVersion}/${o.kind}`];
    if (!Model) {
      problems.push(`${id(o)}: ${o.apiVersion} ${o.kind} has no schema in deploy/tools/check.ts`);
      continue;
    }
    try {
      new Model(structuredClone(o) as never).validate();
    } catch (err) {
      problems.push(`${id(o)}: ${(err as Error).message}`);
    }
  }
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
  const workloads = byKind('Deployment');
  const podLabels = (o: K8sObject) => ((o.spec as { template?: { metadata?: { labels?: Record<string, string> } } }).template?.metadata?.labels ?? {});
  const matches = (selector: Record<string, string> | undefined) =>
    workloads.filter((w) => selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => podLabels(w)[k] === v));

  for (const w of workloads) {
    const pod = podSpecOf(w) ?? {};
    const volumes = new Map(((pod.volumes as { name: string; persistentVolumeClaim?: { claimName: string } }[] | undefined) ?? []).map((v) => [v.name, v]));
    for (const v of volumes.values()) {
      if (v.persistentVolumeClaim && !objects.some((o) => o.kind === 'PersistentVolumeClaim' && o.metadata.name === v.persistentVolumeClaim?.claimName)) {
        problems.push(`${id(w)}: volume ${v.name} claims PersistentVolumeClaim/${v.persistentVolumeClaim.claimName}, which is not in the rendering`);
      }
    }
    for (const c of containersOf(w)) {
      for (const m of (c.volumeMounts as { name: string }[] | undefined) ?? []) {
        if (!volumes.has(m.name)) problems.push(`${id(w)}: container ${c.name} mounts unknown volume ${m.name}`);
      }
      const appKey = imageApps[c.image];
      if (appKey === undefined) continue; // not one of ours (e.g. the demo's PostgreSQL)
      const app = APPS[appKey];
      problems.push(...checkEnv(`${id(w)} container ${c.name} (${appKey})`, c, app));
      const env = literalEnv(c);
      const grace = (pod.terminationGracePeriodSeconds as number | undefined) ?? 30;
      if (appKey === 'refdiff-gpu-worker') {
        const drain = Number(env.REFDIFF_DRAIN_GRACE_MS ?? 0) + Number(env.REFDIFF_DRAIN_TIMEOUT_MS ?? 30_000);
        if (grace * 1000 < drain + 5_000) problems.push(`${id(w)}: terminationGracePeriodSeconds ${grace} does not cover the drain (${drain} ms + 5 s)`);
        for (const probe of ['readinessProbe', 'livenessProbe'] as const) {
          const p = c[probe] as { grpc?: { port: number } } | undefined;
          if (!p?.grpc) problems.push(`${id(w)}: the worker's ${probe} is not a gRPC health probe`);
        }
      }
      if (appKey === 'refdiff-gateway') {
        const stop = Number(env.SHUTDOWN_TIMEOUT_MS ?? 15_000);
        const preStop = (c.lifecycle as { preStop?: { exec?: { command?: string[] } } } | undefined)?.preStop?.exec?.command;
        const sleep = preStop?.[0] === 'sleep' ? Number(preStop[1]) * 1000 : 0;
        if (!preStop) problems.push(`${id(w)}: the gateway has no preStop drain`);
        if (grace * 1000 < stop + sleep) problems.push(`${id(w)}: terminationGracePeriodSeconds ${grace} < preStop ${sleep} ms + SHUTDOWN_TIMEOUT_MS ${stop}`);
        // The gateway's cross-variable rule (env.ts loadConfig): an S3 image store needs a region.
        if ((env.IMAGE_STORE ?? '').startsWith('s3://') && !(c.env ?? []).some((e) => e.name === 'AWS_REGION')) {
          problems.push(`${id(w)}: IMAGE_STORE=${env.IMAGE_STORE} needs AWS_REGION`);
        }
        const workers = env.WORKERS ?? '';
        for (const t of workers.split(',').map((s) => s.trim()).filter((s) => s.startsWith('dns:'))) {
          const [host, port] = [t.slice(4, t.lastIndexOf(':')), Number(t.slice(t.lastIndexOf(':') + 1))];
          const svc = byKind('Service').find((s) => s.metadata.name === host.split('.')[0]);
          const spec = svc?.spec as { clusterIP?: string; ports?: { port: number }[] } | undefined;
          if (!svc) problems.push(`${id(w)}: WORKERS names ${host}, which is no Service in the rendering`);
          else if (spec?.clusterIP !== 'None') problems.push(`${id(w)}: WORKERS names Service/${host}, which is not headless (clusterIP: None): the gateway would see one address`);
          else if (!spec.ports?.some((p) => p.port === port)) problems.push(`${id(w)}: Service/${host} has no port ${port}`);
        }
      }
    }
  }
  for (const s of byKind('Service')) {
    const sel = (s.spec as { selector?: Record<string, string> }).selector;
    if (matches(sel).length === 0) problems.push(`${id(s)}: its selector matches no workload's pods`);
  }
  for (const p of byKind('PodDisruptionBudget')) {
    const sel = (p.spec as { selector?: { matchLabels?: Record<string, string> } }).selector?.matchLabels;
    if (matches(sel).length === 0) problems.push(`${id(p)}: its selector matches no workload's pods`);
  }
  for (const h of byKind('HorizontalPodAutoscaler')) {
    const ref = (h.spec as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef;
    if (!objects.some((o) => o.kind === ref.kind && o.metadata.name === ref.name)) problems.push(`${id(h)}: target ${ref.kind}/${ref.name} is not in the rendering`);
  }
  for (const so of byKind('ScaledObject')) {
    const ref = (so.spec as { scaleTargetRef: { kind?: string; name: string } }).scaleTargetRef;
    if (!objects.some((o) => o.kind === (ref.kind ?? 'Deployment') && o.metadata.name === ref.name)) problems.push(`${id(so)}: target ${ref.name} is not in the rendering`);
  }
  return problems;
}

function literalEnv(c: Container): Record<string, string> {
  return Object.fromEntries((c.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, String(e.value)]));
}

/** Names the app does not know, names a deployment must set and does not, and literal values the schema refuses. */
export function checkEnv(where: string, c: Container, app: App): string[] {
  const problems: string[] = [];
  const known = new Set(Object.keys(app.schema.shape));
  const names = (c.env ?? []).map((e) => e.name);
  for (const n of names) if (!known.has(n)) problems.push(`${where}: sets ${n}, which the app does not read`);
  for (const n of app.required) if (!names.includes(n)) problems.push(`${where}: does not set ${n}, which a deployment needs`);
  const dup = names.filter((n, i) => names.indexOf(n) !== i);
  for (const n of new Set(dup)) problems.push(`${where}: sets ${n} twice`);
  const literal = Object.fromEntries(Object.entries(literalEnv(c)).filter(([k]) => known.has(k)));
  const parsed = app.schema.partial().safeParse(literal);
  if (!parsed.success) for (const i of parsed.error.issues) problems.push(`${where}: ${i.path.join('.')}: ${i.message}`);
  return problems;
}
