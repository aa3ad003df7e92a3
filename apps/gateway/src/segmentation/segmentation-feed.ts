/**
 * Live status of segmentation requests, for the GraphQL subscriptions `segmentationUpdated` and
 * `segmentationsUpdated`. A trigger announces every status change on STATUS_CHANNEL (prisma/migrations/…_status_notify)
 * and every replica LISTENs, so a subscriber hears about work any replica's dispatcher did. Each announcement names
 * its tenant: a subscription only ever sees its own tenant's rows, and re-reads them through the tenant-scoped
 * repository before emitting.
 */
import type { SegmentationRequest } from '../__generated__/prisma/client';
import type { SegmentationStatus } from '../__generated__/prisma/enums';
import { requireScope, type Principal } from '../auth/principal';
import { GatewayError, badInput, notFound } from '../common/gateway.errors';
import type { ImageRepository } from '../images/image.repository';
import { isUuid } from '../images/image.service';
import { PushIterator } from './push-iterator';
import type { SegmentationRepository } from './segmentation.repository';
import { FINAL_STATUSES, MAX_PAGE_SIZE } from './segmentation.service';

/** Channel the status trigger notifies; the payload is a StatusEvent as JSON. */
export const STATUS_CHANNEL = 'refdiff_status';

export interface StatusEvent {
  id: string;
  tenantId: string;
  imageId: string;
  status: SegmentationStatus;
  attempts: number;
}

const STATUSES: ReadonlySet<string> = new Set(['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED']);

export function parseStatusEvent(payload: string): StatusEvent | null {
  try {
    const e = JSON.parse(payload) as Partial<StatusEvent>;
    if (typeof e.id !== 'string' || typeof e.tenantId !== 'string' || typeof e.imageId !== 'string') return null;
    if (typeof e.status !== 'string' || !STATUSES.has(e.status) || typeof e.attempts !== 'number') return null;
    return e as StatusEvent;
  } catch {
    return null;
  }
}

export interface FeedSettings {
  /** Live subscriptions one tenant may hold on one replica. */
  maxSubscriptionsPerTenant: number;
  /** An id subscription re-reads its unfinished rows this often, so a lost notification costs latency only. */
  recheckMs: number;
}

export const defaultFeedSettings: FeedSettings = { maxSubscriptionsPerTenant: 100, recheckMs: 10_000 };

type Listener = (event: StatusEvent) => void;

/**
 * The state a row was in when `event` was announced. The row is read after the announcement, so it may already be
 * further on (claimed and finished in quick succession): then the announced state is what is reported, with none of
 * the later result fields, so a subscriber sees every status in order.
 */
export function asOf(row: SegmentationRequest, event: StatusEvent): SegmentationRequest {
  if (row.status === event.status && row.attempts === event.attempts) return row;
  if (FINAL_STATUSES.has(event.status)) return row;
  return {
    ...row,
    status: event.status,
    attempts: event.attempts,
    maskRle: null,
    maskBox: [],
    maskArea: null,
    score: null,
    scores: null,
    rootWord: null,
    attentionPng: null,
    timingsMs: null,
    gpuMs: null,
    finishedAt: null,
    ...(event.status === 'QUEUED' && event.attempts === 0 ? { startedAt: null, worker: null, errorCode: null, errorMessage: null } : {}),
  };
}

export class SegmentationFeed {
  private readonly byTenant = new Map<string, Set<Listener>>();

  constructor(
    private readonly segmentations: SegmentationRepository,
    private readonly images: ImageRepository,
    private readonly settings: FeedSettings = defaultFeedSettings,
  ) {}

  /** Called by the database listener (LISTEN STATUS_CHANNEL) for each notification. */
  publish(payload: string): void {
    const event = parseStatusEvent(payload);
    if (!event) return;
    for (const l of this.byTenant.get(event.tenantId) ?? []) l(event);
  }

  /** Live subscriptions of a tenant on this replica. */
  active(tenantId: string): number {
    return this.byTenant.get(tenantId)?.size ?? 0;
  }

  /**
   * Every state of `ids` from now on: first each one's current state, then each status change, completing once
   * all are SUCCEEDED, FAILED or CANCELLED. Ids that are not this tenant's answer NOT_FOUND before anything is sent.
   */
  async watchIds(principal: Principal | null, ids: readonly string[]): Promise<AsyncIterableIterator<SegmentationRequest>> {
    const p = requireScope(principal, 'READ');
    const unique = [...new Set(ids)];
    if (unique.length === 0 || unique.length > MAX_PAGE_SIZE) throw badInput(`give 1–${MAX_PAGE_SIZE} ids`);
    const bad = unique.find((id) => !isUuid(id));
    if (bad !== undefined) throw notFound('segmentation', bad);
    const rows = await this.segmentations.getMany(p.tenantId, unique);
    if (rows.length !== unique.length) {
      const found = new Set(rows.map((r) => r.id));
      throw notFound('segmentation', unique.find((id) => !found.has(id)) ?? '');
    }
    const wanted = new Set(unique);
    const pending = new Set(unique);
    const last = new Map<string, { status: SegmentationStatus; attempts: number }>();
    const emit = (it: PushIterator<SegmentationRequest>, row: SegmentationRequest) => {
      if (!pending.has(row.id)) return;
      const prev = last.get(row.id);
      if (prev && (prev.attempts > row.attempts || (prev.status === row.status && prev.attempts === row.attempts))) return;
      last.set(row.id, { status: row.status, attempts: row.attempts });
      it.push(row);
      if (FINAL_STATUSES.has(row.status)) {
        pending.delete(row.id);
        if (pending.size === 0) it.end();
      }
    };
    return this.open(p.tenantId, (it, enqueue) => {
      const recheck = () =>
        enqueue(async () => {
          const fresh = await this.segmentations.getMany(p.tenantId, [...pending]);
          const byId = new Map(fresh.map((r) => [r.id, r]));
          for (const id of unique) {
            const row = byId.get(id);
            if (row) emit(it, row);
            else if (pending.delete(id) && pending.size === 0) it.end(); // deleted meanwhile
          }
        });
      // the state when the subscription starts (read before listening; changes since are re-read just after)
      const byId = new Map(rows.map((r) => [r.id, r]));
      for (const id of unique) emit(it, byId.get(id) as SegmentationRequest);
      if (pending.size > 0) recheck();
      const timer = setInterval(recheck, this.settings.recheckMs);
      timer.unref?.();
      return {
        onEvent: (event) => {
          if (!wanted.has(event.id) || !pending.has(event.id)) return;
          enqueue(async () => {
            const row = await this.segmentations.get(p.tenantId, event.id);
            if (row) emit(it, asOf(row, event));
            else if (pending.delete(event.id) && pending.size === 0) it.end(); // deleted (deleteImage, retention)
          });
        },
        close: () => clearInterval(timer),
      };
    });
  }

  /** Every status change of any segmentation of one image, from now on (never completes by itself). */
  async watchImage(principal: Principal | null, imageId: string): Promise<AsyncIterableIterator<SegmentationRequest>> {
    const p = requireScope(principal, 'READ');
    const image = isUuid(imageId) ? await this.images.get(p.tenantId, imageId) : null;
    if (!image) throw notFound('image', imageId);
    const last = new Map<string, { status: SegmentationStatus; attempts: number }>();
    return this.open(p.tenantId, (it, enqueue) => ({
      onEvent: (event) => {
        if (event.imageId !== image.id) return;
        enqueue(async () => {
          const row = await this.segmentations.get(p.tenantId, event.id);
          if (!row) return;
          const state = asOf(row, event);
          const prev = last.get(row.id);
          if (prev && (prev.attempts > state.attempts || (prev.status === state.status && prev.attempts === state.attempts))) return;
          if (FINAL_STATUSES.has(state.status)) last.delete(row.id);
          else last.set(row.id, { status: state.status, attempts: state.attempts });
          it.push(state);
        });
      },
      close: () => undefined,
    }));
  }

  /**
   * Registers a listener for the tenant (refusing past the tenant's limit) and returns the iterator the
   * subscription reads; events are handled one at a time, in the order they were announced.
   */
  private open(
    tenantId: string,
    start: (
      it: PushIterator<SegmentationRequest>,
      enqueue: (task: () => Promise<void>) => void,
    ) => { onEvent: Listener; close: () => void },
  ): AsyncIterableIterator<SegmentationRequest> {
    const limit = this.settings.maxSubscriptionsPerTenant;
    if (this.active(tenantId) >= limit) {
      throw new GatewayError('RATE_LIMITED', `this tenant already has ${limit} live subscriptions on this server`, { limit });
    }
    let listeners = this.byTenant.get(tenantId);
    if (!listeners) this.byTenant.set(tenantId, (listeners = new Set()));
    const set = listeners;
    let chain = Promise.resolve();
    let handle: { onEvent: Listener; close: () => void } | null = null;
    const listener: Listener = (event) => handle?.onEvent(event);
    const it = new PushIterator<SegmentationRequest>(() => {
      set.delete(listener);
      if (set.size === 0 && this.byTenant.get(tenantId) === set) this.byTenant.delete(tenantId);
      handle?.close();
    });
    const enqueue = (task: () => Promise<void>) => {
      chain = chain.then(() => (it.closed ? undefined : task())).catch((err: unknown) => it.fail(err));
    };
    set.add(listener);
    handle = start(it, enqueue);
    if (it.closed) handle.close();
    return it;
  }
}
