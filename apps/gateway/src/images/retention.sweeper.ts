/**
 * Per-tenant image retention: images older than their tenant's `imageRetentionDays` are deleted exactly as
 * `deleteImage` deletes them (bytes, segmentations, queued work; usage stays). Every replica runs a sweeper; a
 * PostgreSQL advisory lock lets one sweep at a time (the others skip that round), and a replica that dies mid-sweep
 * releases the lock with its connection. Embedded mode has one process and sweeps in-process.
 */
import type { Logger } from 'pino';
import type { Database } from '../db/database';
import type { TenantRepository } from '../tenants/tenant.repository';
import type { ImageRepository } from './image.repository';

/** pg advisory lock key of the retention sweep ('rdrt'). */
export const RETENTION_LOCK_KEY = 0x72647274;
const DAY_MS = 86_400_000;

export interface SweepResult {
  /** False when another replica held the lock and this round was skipped. */
  ran: boolean;
  deleted: number;
}

export class RetentionSweeper {
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<unknown> | undefined;
  private stopped = false;

  constructor(
    private readonly db: Pick<Database, 'tryWithAdvisoryLock'>,
    private readonly tenants: TenantRepository,
    private readonly images: ImageRepository,
    private readonly logger: Logger,
    private readonly options: { intervalMs: number; batch?: number } = { intervalMs: 60_000 },
  ) {}

  start(): void {
    if (this.timer || this.options.intervalMs <= 0) return;
    this.stopped = false;
    const tick = () => {
      this.current ??= this.sweepOnce()
        .catch((err: unknown) => this.logger.error({ err }, 'retention sweep failed'))
        .finally(() => (this.current = undefined));
    };
    this.timer = setInterval(tick, this.options.intervalMs);
    this.timer.unref();
    tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.current;
  }

  /** One sweep over every tenant with a retention period, if no other replica is sweeping. */
  async sweepOnce(now = new Date()): Promise<SweepResult> {
    const batch = this.options.batch ?? 200;
    const r = await this.db.tryWithAdvisoryLock(RETENTION_LOCK_KEY, async () => {
      let deleted = 0;
      for (const t of await this.tenants.listWithRetention()) {
        const cutoff = new Date(now.getTime() - t.imageRetentionDays * DAY_MS);
        for (;;) {
          const ids = await this.images.idsCreatedBefore(t.id, cutoff, batch);
          for (const id of ids) if (await this.images.deleteImage(t.id, id)) deleted += 1;
          if (ids.length < batch || this.stopped) break;
        }
      }
      return deleted;
    });
    if (!r.acquired) return { ran: false, deleted: 0 };
    if (r.value > 0) this.logger.info({ deleted: r.value }, 'retention sweep deleted images');
    return { ran: true, deleted: r.value };
  }
}
