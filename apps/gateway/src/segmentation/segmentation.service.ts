import type { SegmentationRequest } from '../__generated__/prisma/client';
import type { SegmentationStatus } from '../__generated__/prisma/enums';
import type { Principal } from '../auth/principal';
import { requireScope } from '../auth/principal';
import { GatewayError, badInput, notFound } from '../common/gateway.errors';
import type { ImageRepository } from '../images/image.repository';
import { isUuid } from '../images/image.service';
import type { CompletionSignal } from './completion-signal';
import { toWorkerOptions, validateExpressions, type KnownPack, type SegmentOptionsInput } from './segment-options';
import type { CreateBatchResult, SegmentationFilter, SegmentationRepository } from './segmentation.repository';
import type { Handoff } from '../dispatch/dispatcher';
import { decodeCursor, encodeCursor } from '../common/cursor';

export const FINAL_STATUSES: ReadonlySet<SegmentationStatus> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);
export const MAX_PAGE_SIZE = 100;
export const MAX_WAIT_SECONDS = 60;

export interface SegmentationPage {
  nodes: SegmentationRequest[];
  hasNextPage: boolean;
  cursorOf(node: SegmentationRequest): string;
}

export class SegmentationService {
  private dispatcher: { reserve(): Handoff | null } | null = null;

  constructor(
    private readonly segmentations: SegmentationRepository,
    private readonly images: ImageRepository,
    private readonly completion: CompletionSignal,
    private readonly settings: { maxAttempts: number; waitRecheckMs: number } = { maxAttempts: 5, waitRecheckMs: 2_000 },
    /** the model packs the workers reported: requests are checked against each (see segment-options.ts) */
    private readonly packs: () => readonly KnownPack[] = () => [],
  ) {}

  /** This process's dispatcher (runtime.ts): queued batches are offered to it (Dispatcher.reserve). */
  handOffTo(dispatcher: { reserve(): Handoff | null } | null): void {
    this.dispatcher = dispatcher;
  }

  async segment(
    principal: Principal | null,
    input: {
      imageId: string;
      expressions: readonly string[];
      options?: SegmentOptionsInput | null;
      idempotencyKey?: string | null;
      /** checked here, before anything is stored; the caller then waits with `waitFor` */
      waitSeconds?: number | null;
    },
    at = new Date(),
  ): Promise<SegmentationRequest[]> {
    const p = requireScope(principal, 'SEGMENT');
    checkWaitSeconds(input.waitSeconds ?? 0, 'waitSeconds');
    // checked before anything is stored, queued or counted: what a worker would refuse is BAD_USER_INPUT here
    const packs = this.packs();
    const options = toWorkerOptions(input.options, packs);
    const expressions = validateExpressions(input.expressions, packs);
    const key = input.idempotencyKey ?? null;
    if (key !== null && (key.length === 0 || key.length > 200)) throw badInput('an idempotency key is 1–200 characters');
    if (!isUuid(input.imageId)) throw notFound('image', input.imageId);
    const imageId = input.imageId.toLowerCase();
    // the image is checked to be this tenant's with the insert (one statement with the tenant lock)
    const handoff = this.dispatcher?.reserve() ?? null;
    let result: CreateBatchResult;
    try {
      result = await this.segmentations.createBatch(
        p.tenantId,
        {
          imageId,
          expressions,
          options: options as object,
          idempotencyKey: key,
          maxAttempts: this.settings.maxAttempts,
          monthlyExpressionQuota: p.limits.monthlyExpressionQuota,
          notifyDispatchers: handoff === null,
          lease: handoff?.lease ?? null,
        },
        at,
      );
    } catch (err) {
      handoff?.release();
      throw err;
    }
    if (result.kind === 'created' && handoff) handoff.take(result.leased);
    else handoff?.release();
    if (result.kind === 'noImage') throw notFound('image', input.imageId);
    if (result.kind === 'overQuota') {
      throw new GatewayError(
        'QUOTA_EXCEEDED',
        `this would exceed the tenant's ${p.limits.monthlyExpressionQuota} expressions this month (${result.used} used)`,
        { limit: p.limits.monthlyExpressionQuota, used: result.used },
      );
    }
    if (result.kind === 'replayed') {
      const same =
        result.requests.length === expressions.length &&
        result.requests.every((r, i) => r.expression === expressions[i] && r.imageId === imageId);
      if (!same) throw new GatewayError('CONFLICT', 'this idempotency key was already used for a different request');
    }
    return result.requests;
  }

  async get(principal: Principal | null, id: string): Promise<SegmentationRequest> {
    const p = requireScope(principal, 'READ');
    const row = isUuid(id) ? await this.segmentations.get(p.tenantId, id) : null;
    if (!row) throw notFound('segmentation', id);
    return row;
  }

  async list(
    principal: Principal | null,
    filter: SegmentationFilter,
    first: number | null | undefined,
    after: string | null | undefined,
  ): Promise<SegmentationPage & { totalCount: () => Promise<number> }> {
    const p = requireScope(principal, 'READ');
    const n = first ?? 20;
    if (n < 1 || n > MAX_PAGE_SIZE) throw badInput(`first must be 1–${MAX_PAGE_SIZE}`);
    if (filter.imageId !== undefined && filter.imageId !== null) {
      const image = isUuid(filter.imageId) ? await this.images.get(p.tenantId, filter.imageId) : null;
      if (!image) throw notFound('image', filter.imageId);
    }
    const cursor = after ? decodeCursor(after) : undefined;
    const rows = await this.segmentations.list(p.tenantId, filter, n + 1, cursor);
    return {
      nodes: rows.slice(0, n),
      hasNextPage: rows.length > n,
      cursorOf: encodeCursor,
      totalCount: () => this.segmentations.count(p.tenantId, filter),
    };
  }

  async cancel(principal: Principal | null, id: string, at = new Date()): Promise<SegmentationRequest> {
    const p = requireScope(principal, 'SEGMENT');
    const row = isUuid(id) ? await this.segmentations.cancel(p.tenantId, id, at) : null;
    if (!row) throw notFound('segmentation', id);
    return row;
  }

  /**
   * Long poll: returns when every request is final or after `timeoutSeconds`, with their current state. Ids that
   * are not this tenant's answer NOT_FOUND before any waiting.
   */
  async wait(principal: Principal | null, ids: readonly string[], timeoutSeconds: number, signal?: AbortSignal): Promise<SegmentationRequest[]> {
    const p = requireScope(principal, 'READ');
    if (ids.length === 0 || ids.length > MAX_PAGE_SIZE) throw badInput(`give 1–${MAX_PAGE_SIZE} ids`);
    checkWaitSeconds(timeoutSeconds, 'timeoutSeconds');
    const deadline = Date.now() + timeoutSeconds * 1000;
    const unique = [...new Set(ids)];
    const byId = await this.untilFinal(p.tenantId, unique, null, deadline, signal);
    return ids.map((id) => byId.get(id) as SegmentationRequest);
  }

  /**
   * `segment(…, waitSeconds)`: waits on the rows `segment` just returned (this tenant's by construction, so no
   * first read) until every one is final or `waitSeconds` have passed, and returns them as they stand, in order.
   * SEGMENT scope is enough: the status was already the caller's to see, and result fields still need READ.
   */
  async waitFor(principal: Principal | null, rows: readonly SegmentationRequest[], waitSeconds: number, signal?: AbortSignal): Promise<SegmentationRequest[]> {
    const p = requireScope(principal, 'SEGMENT');
    checkWaitSeconds(waitSeconds, 'waitSeconds');
    if (waitSeconds === 0 || rows.length === 0) return [...rows];
    const deadline = Date.now() + waitSeconds * 1000;
    const known = new Map(rows.map((r) => [r.id, r]));
    const byId = await this.untilFinal(p.tenantId, [...known.keys()], known, deadline, signal);
    return rows.map((r) => byId.get(r.id) as SegmentationRequest);
  }

  /** This tenant's rows for `ids` (NOT_FOUND naming the first missing one). */
  private async readAll(tenantId: string, ids: readonly string[]): Promise<Map<string, SegmentationRequest>> {
    const rows = await this.segmentations.getMany(tenantId, ids);
    if (rows.length !== ids.length) {
      const found = new Set(rows.map((r) => r.id));
      throw notFound('segmentation', ids.find((id) => !found.has(id)) ?? '');
    }
    return new Map(rows.map((r) => [r.id, r]));
  }

  /**
   * This tenant's rows for `ids` (read first when `known` is null: NOT_FOUND naming the first missing one) once all
   * are final, the deadline passes or `signal` aborts — as they stand then.
   */
  private async untilFinal(
    tenantId: string,
    ids: readonly string[],
    known: Map<string, SegmentationRequest> | null,
    deadline: number,
    signal?: AbortSignal,
  ): Promise<Map<string, SegmentationRequest>> {
    const pending = new Set(ids);
    // from before the first read: an announcement during any read is kept for the next wait
    const watch = this.completion.watch(pending);
    try {
      const byId = known ?? (await this.readAll(tenantId, ids));
      for (;;) {
        for (const r of byId.values()) if (FINAL_STATUSES.has(r.status)) pending.delete(r.id);
        const left = deadline - Date.now();
        if (pending.size === 0 || left <= 0 || signal?.aborted) return byId;
        const delivered = await watch.next(Math.min(left, this.settings.waitRecheckMs), signal);
        // Rows this process's dispatcher finished come with the announcement, as committed: when they are all that was
        // pending, nothing needs reading again (ids were checked to be this tenant's).
        for (const [id, row] of delivered) {
          if (pending.has(id) && row.tenantId === tenantId && FINAL_STATUSES.has(row.status)) {
            byId.set(id, row);
            pending.delete(id);
          }
        }
        if (pending.size > 0 || delivered.size === 0) for (const [id, row] of await this.readAll(tenantId, ids)) byId.set(id, row);
      }
    } finally {
      watch.close();
    }
  }
}

function checkWaitSeconds(seconds: number, name: string): void {
  if (!(Number.isInteger(seconds) && seconds >= 0 && seconds <= MAX_WAIT_SECONDS)) throw badInput(`${name} must be 0–${MAX_WAIT_SECONDS}`);
}
