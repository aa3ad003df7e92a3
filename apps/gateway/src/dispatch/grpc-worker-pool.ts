/**
 * A pool of gRPC SegmentationWorkers from a static list or DNS names (re-resolved periodically), health-checked with
 * GetInfo. Routing: `affinity` (default) ranks workers by rendezvous hashing of the image sha256, so all expressions
 * of an image land on the worker that has it cached, and moves on to the next-ranked healthy worker when that one is
 * down or has no free slot (this replica's calls in flight reach its maxConcurrent); `least-loaded` picks the
 * healthy worker with the fewest calls in flight; `round-robin` rotates.
 * Pipelining: a worker with a queue (maxQueue > 0) is sent up to `prefetch` calls beyond its maxConcurrent, so the
 * next call is already waiting on the worker when one finishes: the GPU does not idle while this replica records
 * a result and claims the next request.
 * The image protocol is hash-first: the sha256 goes first, bytes only when the worker answers IMAGE_NOT_CACHED.
 *
 * Discovery: a `dns:` name (a Kubernetes headless Service) is re-resolved every health interval. An address the
 * name no longer lists gets no new calls at once; it leaves the pool when its calls in flight have finished (the
 * worker drains them). A failed lookup that is not an authoritative "no such name" keeps the last addresses, so a
 * DNS hiccup does not empty the pool.
 */
import { createHash } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { WorkerCallError, createWorkerClient, type WorkerClient } from '@refdiff/worker-contract';
import type { CacheStats__Output, PackLimits__Output } from '@refdiff/worker-contract';
import { TextFrontEnd, type PackLimits } from '@refdiff/pipeline';
import { WorkerTaskError, type WorkerCacheStats, type WorkerPool, type WorkerReply, type WorkerState, type WorkerTask } from './worker-pool';

export type RoutingStrategy = 'affinity' | 'least-loaded' | 'round-robin';

/** Resolves a host name to all its addresses (default: the system resolver, `dns.lookup(host, { all: true })`). */
export type ResolveHost = (host: string) => Promise<readonly { address: string; family: number }[]>;

const systemResolve: ResolveHost = (host) => lookup(host, { all: true });

/** Lookup errors that mean "the name has no addresses now" (e.g. a headless Service with no ready pods). */
const NO_ADDRESSES = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN']);

export interface GrpcWorkerPoolOptions {
  /** `host:port` entries; `dns:host:port` entries are resolved to every address. */
  targets: readonly string[];
  strategy?: RoutingStrategy;
  healthIntervalMs?: number;
  /** Calls per worker when GetInfo has not told us its capacity. */
  defaultMaxConcurrent?: number;
  /** Calls sent to a worker beyond its maxConcurrent, to wait in its queue (default 1; never more than its maxQueue). */
  prefetch?: number;
  maxMessageBytes?: number;
  logger: Logger;
  /** How `dns:` names are resolved (tests inject one; default: the system resolver). */
  resolve?: ResolveHost;
}

interface Member {
  target: string;
  client: WorkerClient;
  healthy: boolean;
  /** false once discovery no longer lists it: no new calls; it leaves when its calls in flight are done */
  listed: boolean;
  inFlight: number;
  maxConcurrent: number;
  maxQueue: number;
  queueDepth: number | null;
  cache: WorkerCacheStats | null;
  packName: string | null;
  version: string | null;
  lastError: string | null;
  lastCheckedAt: Date | null;
  /** key of the pack it reported (PackKey), null before its first GetInfo with pack limits */
  pack: string | null;
}

/** A pack as the workers describe it: limits, and the tokenizer once fetched. */
interface PackEntry {
  limits: PackLimits;
  text: TextFrontEnd | null;
  /** the GetTokenizer call in progress (one per tokenizer sha256) */
  fetching: Promise<void> | null;
}

function cacheStats(c: CacheStats__Output): WorkerCacheStats {
  const lookups = c.hits + c.misses;
  return { entries: c.entries, bytes: c.bytes, capacityBytes: c.capacityBytes, hits: c.hits, misses: c.misses, hitRate: lookups > 0 ? c.hits / lookups : null };
}

/** Worker error codes that say the call was refused before anything ran (docs/worker.md, "The protocol"). */
const REFUSED_UNRUN = new Set(['DRAINING', 'NOT_READY']);

const RETRYABLE = new Set([grpc.status.UNAVAILABLE, grpc.status.RESOURCE_EXHAUSTED, grpc.status.DEADLINE_EXCEEDED]);

export class GrpcWorkerPool implements WorkerPool {
  private members = new Map<string, Member>();
  private timer: NodeJS.Timeout | undefined;
  private rr = 0;
  private readonly strategy: RoutingStrategy;
  private readonly packs = new Map<string, PackEntry>();
  /** the addresses each `dns:` target last resolved to (kept when a lookup fails transiently) */
  private readonly resolved = new Map<string, string[]>();
  private refreshing: Promise<void> | null = null;

  private constructor(private readonly options: GrpcWorkerPoolOptions) {
    this.strategy = options.strategy ?? 'affinity';
  }

  static async create(options: GrpcWorkerPoolOptions): Promise<GrpcWorkerPool> {
    const pool = new GrpcWorkerPool(options);
    await pool.refresh();
    pool.timer = setInterval(() => void pool.refresh(), options.healthIntervalMs ?? 2_000);
    pool.timer.unref();
    return pool;
  }

  /** Re-resolves DNS targets and health-checks every member (one refresh at a time; a second call joins it). */
  refresh(): Promise<void> {
    this.refreshing ??= this.refreshOnce().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async resolveTarget(t: string): Promise<string[]> {
    const rest = t.slice(4).replace(/^\/\//, '');
    const i = rest.lastIndexOf(':');
    const host = rest.slice(0, i);
    const port = rest.slice(i + 1);
    try {
      const addresses = (await (this.options.resolve ?? systemResolve)(host)).map((a) => (a.family === 6 ? `[${a.address}]:${port}` : `${a.address}:${port}`));
      this.resolved.set(t, addresses);
      return addresses;
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (NO_ADDRESSES.has(code)) {
        this.resolved.set(t, []);
        return [];
      }
      const kept = this.resolved.get(t) ?? [];
      this.options.logger.warn({ err, target: t, kept: kept.length }, 'worker DNS lookup failed; keeping the last addresses');
      return kept;
    }
  }

  private async refreshOnce(): Promise<void> {
    const targets = new Set<string>();
    const lists = await Promise.all(this.options.targets.map((t) => (t.startsWith('dns:') ? this.resolveTarget(t) : [t])));
    for (const list of lists) for (const t of list) targets.add(t);
    for (const t of targets) {
      const known = this.members.get(t);
      if (known && !known.listed) {
        known.listed = true;
        this.options.logger.info({ worker: known.target }, 'worker listed again');
      }
      if (!known) {
        this.members.set(t, {
          target: t,
          client: createWorkerClient(t, { maxMessageBytes: this.options.maxMessageBytes }),
          healthy: false,
          listed: true,
          inFlight: 0,
          maxConcurrent: this.options.defaultMaxConcurrent ?? 2,
          maxQueue: 0,
          queueDepth: null,
          cache: null,
          packName: null,
          version: null,
          lastError: null,
          lastCheckedAt: null,
          pack: null,
        });
      }
    }
    for (const [t, m] of this.members) {
      if (targets.has(t) || !m.listed) continue;
      m.listed = false;
      this.options.logger.info({ worker: t, inFlight: m.inFlight }, 'worker no longer listed: no new calls');
      this.leaveIfIdle(m);
    }
    await Promise.all([...this.members.values()].map((m) => this.check(m)));
  }

  /** Drops an unlisted member once nothing runs on it. */
  private leaveIfIdle(m: Member): void {
    if (m.listed || m.inFlight > 0 || this.members.get(m.target) !== m) return;
    m.client.close();
    this.members.delete(m.target);
  }

  private async check(m: Member): Promise<void> {
    try {
      const info = await m.client.getInfo({ deadlineMs: 3_000 });
      if (!m.healthy) this.options.logger.info({ worker: m.target, pack: info.packName }, 'worker healthy');
      m.healthy = true;
      m.maxConcurrent = Math.max(1, info.maxConcurrent || m.maxConcurrent);
      m.maxQueue = info.maxQueue;
      m.queueDepth = info.queueDepth;
      m.cache = info.cache ? cacheStats(info.cache) : null;
      m.packName = info.packName || null;
      m.version = info.version || null;
      m.lastError = null;
      if (info.packLimits) this.notePack(m, info.packName, info.packLimits);
    } catch (err) {
      // A worker busy computing (CPU-bound, event loop blocked) may answer GetInfo late: that is load, not death.
      if (m.inFlight > 0 && err instanceof WorkerCallError && err.status === grpc.status.DEADLINE_EXCEEDED) return;
      if (m.healthy) this.options.logger.warn({ worker: m.target, err: String(err) }, 'worker unhealthy');
      m.healthy = false;
      m.lastError = err instanceof Error ? err.message : String(err);
    } finally {
      m.lastCheckedAt = new Date();
    }
  }

  /** Records the pack a worker reported; fetches its tokenizer once per tokenizer sha256. */
  private notePack(m: Member, packName: string, l: PackLimits__Output): void {
    const key = `${packName}|${l.sdImageSize}|${l.clipImageSize}|${l.clipDynamicImageSize}|${l.clipLayers}|${l.tokenizerSha256}`;
    m.pack = key;
    let entry = this.packs.get(key);
    if (!entry) {
      const limits = { packName, sdImageSize: l.sdImageSize, clipImageSize: l.clipImageSize, clipDynamicImageSize: l.clipDynamicImageSize, clipLayers: Math.max(1, l.clipLayers) };
      entry = { limits, text: null, fetching: null };
      this.packs.set(key, entry);
    }
    if (!entry.text && !entry.fetching && l.tokenizerSha256) {
      const e = entry;
      e.fetching = m.client
        .getTokenizer({ deadlineMs: 30_000 })
        .then((t) => {
          if (t.sha256 !== l.tokenizerSha256) throw new Error(`tokenizer sha256 ${t.sha256} differs from GetInfo's ${l.tokenizerSha256}`);
          e.text = new TextFrontEnd({ json: t.tokenizerJson, contextLength: t.contextLength, startId: t.startId, endId: t.endId });
          this.options.logger.info({ worker: m.target, pack: packName, tokenizer: t.sha256.slice(0, 12) }, 'pack tokenizer loaded: expressions are checked against it');
        })
        .catch((err: unknown) => this.options.logger.warn({ worker: m.target, err: String(err) }, 'cannot load the pack tokenizer; token limits are left to the worker'))
        .finally(() => {
          e.fetching = null;
        });
    }
  }

  /** The packs the pool's members last reported (a member that went down keeps its last report). */
  knownPacks(): { limits: PackLimits; text: TextFrontEnd | null }[] {
    const current = new Set([...this.members.values()].map((m) => m.pack));
    return [...this.packs].filter(([key]) => current.has(key)).map(([, p]) => ({ limits: p.limits, text: p.text }));
  }

  /** Calls this replica may have on a member at once: its device slots plus the prefetched ones waiting in its queue. */
  private slots(m: Member): number {
    return m.maxConcurrent + Math.min(m.maxQueue, this.options.prefetch ?? 1);
  }

  /** Resolves when every tokenizer being fetched has arrived (tests, and start-up). */
  async packsSettled(): Promise<void> {
    await Promise.all([...this.packs.values()].map((p) => p.fetching));
  }

  capacity(): number {
    let n = 0;
    for (const m of this.members.values()) if (m.healthy && m.listed) n += this.slots(m);
    return n;
  }

  state(): WorkerState[] {
    return [...this.members.values()].map((m) => ({
      target: m.target,
      // A member discovery no longer lists takes no new calls: not a healthy worker for the pool's figures.
      healthy: m.healthy && m.listed,
      inFlight: m.inFlight,
      maxConcurrent: m.maxConcurrent,
      queueDepth: m.queueDepth,
      cache: m.cache,
      packName: m.packName,
      version: m.version,
      lastError: m.lastError,
      lastCheckedAt: m.lastCheckedAt,
    }));
  }

  /** The member a task goes to, or undefined when none is healthy. */
  pick(key: string, exclude?: ReadonlySet<Member>): Member | undefined {
    const healthy = [...this.members.values()].filter((m) => m.healthy && m.listed && !exclude?.has(m));
    if (healthy.length === 0) return undefined;
    if (this.strategy === 'round-robin') return healthy[this.rr++ % healthy.length];
    if (this.strategy === 'least-loaded') return healthy.reduce((a, b) => (b.inFlight / this.slots(b) < a.inFlight / this.slots(a) ? b : a));
    // Rendezvous (highest random weight) hashing: stable per image, minimal movement when members change.
    const ranked = healthy
      .map((m) => ({ m, w: createHash('sha256').update(`${key}|${m.target}`).digest().readUInt32BE(0) }))
      .sort((a, b) => b.w - a.w)
      .map((x) => x.m);
    // The image's first-ranked worker when it has a free device slot, else the next-ranked one that has: an idle
    // GPU beats a queue behind a busy one, at the price of sending the image once more. When every worker is busy,
    // the best-ranked one with a prefetch slot, then the best-ranked with room in its queue.
    return (
      ranked.find((m) => m.inFlight < m.maxConcurrent) ??
      ranked.find((m) => m.inFlight < this.slots(m)) ??
      ranked.find((m) => m.inFlight < m.maxConcurrent + m.maxQueue) ??
      ranked[0]
    );
  }

  /**
   * Runs the task on the worker `pick` chooses. A worker that refuses it unrun (DRAINING on its way out, NOT_READY)
   * is routed around at once and the next one tried, within this same attempt — so a rolling restart costs no
   * request an attempt; each worker is tried once, and when all have refused the refusal is the task's error.
   */
  async segment(task: WorkerTask): Promise<WorkerReply> {
    const refused = new Set<Member>();
    for (;;) {
      const m = this.pick(task.sha256, refused);
      if (!m) throw new WorkerTaskError('NO_HEALTHY_WORKER', 'no healthy worker in the pool', true, null);
      try {
        return await this.segmentOn(m, task);
      } catch (err) {
        const e = err as WorkerTaskError;
        if (!REFUSED_UNRUN.has(e.code) || task.signal.aborted || !this.pick(task.sha256, new Set([...refused, m]))) throw e;
        this.options.logger.info({ worker: m.target, code: e.code }, 'worker refused the call unrun; trying the next one');
        refused.add(m);
      }
    }
  }

  private async segmentOn(m: Member, task: WorkerTask): Promise<WorkerReply> {
    m.inFlight += 1;
    const call = { deadlineMs: task.deadlineMs, signal: task.signal, requestId: task.requestId };
    const base = { expressions: [...task.expressions], options: task.options, cacheNamespace: task.cacheNamespace ?? '' };
    try {
      try {
        const response = await m.client.segmentRaw({ ...base, imageSha256: task.sha256 }, call);
        return { worker: m.target, response, sentImageBytes: false };
      } catch (err) {
        if (!(err instanceof WorkerCallError && err.code === 'IMAGE_NOT_CACHED')) throw err;
      }
      const response = await m.client.segmentRaw({ ...base, imageData: await task.loadImage() }, call);
      return { worker: m.target, response, sentImageBytes: true };
    } catch (err) {
      throw this.classify(m, err, task.signal);
    } finally {
      m.inFlight -= 1;
      this.leaveIfIdle(m);
    }
  }

  private classify(m: Member, err: unknown, signal: AbortSignal): WorkerTaskError {
    if (err instanceof WorkerTaskError) return err;
    if (err instanceof WorkerCallError) {
      // CANCELLED that we did not ask for: the worker went away mid-call (killed, connection reset).
      const lost = err.status === grpc.status.CANCELLED && !signal.aborted;
      if (err.status === grpc.status.UNAVAILABLE || lost) {
        // Route around it until the next health check succeeds.
        m.healthy = false;
        m.lastError = err.message;
      }
      const retryable = RETRYABLE.has(err.status) || lost;
      return new WorkerTaskError(err.code ?? grpc.status[err.status] ?? 'UNKNOWN', err.message, retryable, m.target);
    }
    return new WorkerTaskError('INTERNAL', err instanceof Error ? err.message : String(err), false, m.target);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const m of this.members.values()) m.client.close();
    this.members.clear();
  }
}
