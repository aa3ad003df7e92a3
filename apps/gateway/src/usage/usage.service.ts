import type { Principal } from '../auth/principal';
import { requireScope } from '../auth/principal';
import { badInput } from '../common/gateway.errors';
import type { Granularity, UsagePoint, UsageRepository } from './usage.repository';

export interface UsageReport {
  from: Date;
  to: Date;
  granularity: Granularity;
  series: UsagePoint[];
  totals: Omit<UsagePoint, 'bucket'>;
}

const MAX_BUCKETS = 24 * 93;

export class UsageService {
  constructor(private readonly usage: UsageRepository) {}

  /** The caller's own tenant only: time series (empty buckets filled with zeros) and totals for a dashboard. */
  async report(principal: Principal | null, from: Date, to: Date, granularity: Granularity): Promise<UsageReport> {
    const p = requireScope(principal, 'READ');
    if (!(to > from)) throw badInput('`to` must be after `from`');
    const step = granularity === 'DAY' ? 86_400_000 : 3_600_000;
    const start = truncate(from, step);
    if ((to.getTime() - start.getTime()) / step > MAX_BUCKETS) throw badInput(`at most ${MAX_BUCKETS} buckets per query`);
    const points = await this.usage.series(p.tenantId, start, to, granularity);
    const byTime = new Map(points.map((pt) => [pt.bucket.getTime(), pt]));
    const series: UsagePoint[] = [];
    for (let t = start.getTime(); t < to.getTime(); t += step) {
      series.push(byTime.get(t) ?? { bucket: new Date(t), requests: 0, expressions: 0, images: 0, gpuMs: 0, failures: 0 });
    }
    const totals = { requests: 0, expressions: 0, images: 0, gpuMs: 0, failures: 0 };
    for (const pt of series) {
      totals.requests += pt.requests;
      totals.expressions += pt.expressions;
      totals.images += pt.images;
      totals.gpuMs += pt.gpuMs;
      totals.failures += pt.failures;
    }
    return { from: start, to, granularity, series, totals };
  }
}

function truncate(d: Date, step: number): Date {
  return new Date(Math.floor(d.getTime() / step) * step);
}
