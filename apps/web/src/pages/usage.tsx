/**
 * Usage dashboard for the key's tenant: the `usage` query's series and totals over a chosen range, rates, latency
 * percentiles from the tenant's recent finished requests, the monthly expression quota, and recent requests.
 */
import { useEffect, useMemo, useState } from 'react';
import { describeError, gql } from '../api/client';
import { RECENT, USAGE, type Granularity, type RecentPage, type SegmentationRow, type UsageReport } from '../api/queries';
import type { Session } from '../app';
import { BarChart } from '../components/bar-chart';
import { StatusBadge } from '../components/status-badge';
import { fmtInt, fmtMs, fmtPercent, fmtScore, fmtTime, percentile } from '../lib/format';

const RANGES = {
  '24h': { label: 'Last 24 hours', ms: 24 * 3600_000, granularity: 'HOUR' as Granularity },
  '7d': { label: 'Last 7 days', ms: 7 * 24 * 3600_000, granularity: 'DAY' as Granularity },
  '30d': { label: 'Last 30 days', ms: 30 * 24 * 3600_000, granularity: 'DAY' as Granularity },
};
type RangeKey = keyof typeof RANGES | 'custom';

/** How many recent requests the latency percentiles look at (newest first, within the range). */
const LATENCY_SAMPLE = 500;

function bucketLabel(iso: string, g: Granularity): string {
  return g === 'HOUR' ? `${iso.slice(5, 10)} ${iso.slice(11, 16)}` : iso.slice(0, 10);
}

function dateInput(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function UsagePage({ session }: { session: Session }) {
  const [rangeKey, setRangeKey] = useState<RangeKey>('24h');
  const [granularity, setGranularity] = useState<Granularity>('HOUR');
  const [customFrom, setCustomFrom] = useState(() => dateInput(new Date(Date.now() - 7 * 86400_000)));
  const [customTo, setCustomTo] = useState(() => dateInput(new Date()));
  const [report, setReport] = useState<UsageReport | null>(null);
  const [monthExpressions, setMonthExpressions] = useState<number | null>(null);
  const [latency, setLatency] = useState<{ n: number; p50: number | null; p90: number | null; p99: number | null } | null>(null);
  const [recent, setRecent] = useState<SegmentationRow[]>([]);
  const [recentCursor, setRecentCursor] = useState<string | null>(null);
  const [recentTotal, setRecentTotal] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [refresh, setRefresh] = useState(0);

  const range = useMemo(() => {
    if (rangeKey === 'custom') {
      const from = new Date(`${customFrom}T00:00:00Z`);
      const to = new Date(new Date(`${customTo}T00:00:00Z`).getTime() + 86400_000);
      return { from, to };
    }
    const to = new Date();
    return { from: new Date(to.getTime() - RANGES[rangeKey].ms), to };
  }, [rangeKey, customFrom, customTo, refresh]);

  useEffect(() => {
    let live = true;
    setLoading(true);
    setError(null);
    const monthStart = new Date(Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), 1));
    Promise.all([
      gql<{ usage: UsageReport }>(session.token, USAGE, { from: range.from.toISOString(), to: range.to.toISOString(), granularity }),
      gql<{ usage: UsageReport }>(session.token, USAGE, { from: monthStart.toISOString(), to: new Date().toISOString(), granularity: 'DAY' }),
      latencySample(session.token, range.from),
    ])
      .then(([r, month, lat]) => {
        if (!live) return;
        setReport(r.usage);
        setMonthExpressions(month.usage.totals.expressions);
        setLatency(lat);
      })
      .catch((err) => live && setError(describeError(err)))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [session.token, range, granularity]);

  useEffect(() => {
    let live = true;
    gql<RecentPage>(session.token, RECENT, { first: 20 })
      .then((d) => {
        if (!live) return;
        setRecent(d.segmentations.edges.map((e) => e.node));
        setRecentCursor(d.segmentations.pageInfo.hasNextPage ? d.segmentations.pageInfo.endCursor : null);
        setRecentTotal(d.segmentations.totalCount);
      })
      .catch((err) => live && setError(describeError(err)));
    return () => {
      live = false;
    };
  }, [session.token, refresh]);

  async function more() {
    try {
      const d = await gql<RecentPage>(session.token, RECENT, { first: 20, after: recentCursor });
      setRecent((r) => [...r, ...d.segmentations.edges.map((e) => e.node)]);
      setRecentCursor(d.segmentations.pageInfo.hasNextPage ? d.segmentations.pageInfo.endCursor : null);
    } catch (err) {
      setError(describeError(err));
    }
  }

  const t = report?.totals;
  const quota = session.me.quotas.monthlyExpressionQuota;
  const labels = report ? report.series.map((p) => bucketLabel(p.bucket, report.granularity)) : [];

  return (
    <>
      <h1>Usage</h1>
      <p className="muted small">
        Tenant <code data-role="tenant-id">{session.me.tenantId}</code>. Times are UTC; buckets are whole hours or days.
      </p>
      <form className="card row controls" onSubmit={(e) => e.preventDefault()} aria-label="Range">
        <label>
          Range{' '}
          <select
            value={rangeKey}
            onChange={(e) => {
              const k = e.target.value as RangeKey;
              setRangeKey(k);
              if (k !== 'custom') setGranularity(RANGES[k].granularity);
            }}
          >
            {Object.entries(RANGES).map(([k, r]) => (
              <option key={k} value={k}>
                {r.label}
              </option>
            ))}
            <option value="custom">Custom dates</option>
          </select>
        </label>
        {rangeKey === 'custom' && (
          <>
            <label>
              From <input type="date" value={customFrom} onChange={(e) => setCustomFrom(e.target.value)} />
            </label>
            <label>
              To <input type="date" value={customTo} onChange={(e) => setCustomTo(e.target.value)} />
            </label>
          </>
        )}
        <label>
          Per{' '}
          <select value={granularity} onChange={(e) => setGranularity(e.target.value as Granularity)}>
            <option value="HOUR">hour</option>
            <option value="DAY">day</option>
          </select>
        </label>
        <button type="button" className="secondary" onClick={() => setRefresh((n) => n + 1)}>
          Refresh
        </button>
        {loading && (
          <span role="status" className="muted small">
            Loading…
          </span>
        )}
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}

      {t && (
        <section aria-labelledby="totals-h">
          <h2 id="totals-h">Totals</h2>
          <dl className="stats" data-role="totals">
            <div>
              <dt>Requests</dt>
              <dd data-total="requests">{fmtInt(t.requests)}</dd>
            </div>
            <div>
              <dt>Expressions</dt>
              <dd data-total="expressions">{fmtInt(t.expressions)}</dd>
            </div>
            <div>
              <dt>Images</dt>
              <dd data-total="images">{fmtInt(t.images)}</dd>
            </div>
            <div>
              <dt>GPU time</dt>
              <dd data-total="gpuMs" data-value={t.gpuMs}>
                {fmtMs(t.gpuMs)}
              </dd>
            </div>
            <div>
              <dt>Failed expressions</dt>
              <dd data-total="failures">{fmtInt(t.failures)}</dd>
            </div>
            <div>
              <dt>Success rate</dt>
              <dd data-total="success-rate">{t.expressions ? fmtPercent(1 - t.failures / t.expressions) : '—'}</dd>
            </div>
            <div>
              <dt>Failure rate</dt>
              <dd data-total="failure-rate">{t.expressions ? fmtPercent(t.failures / t.expressions) : '—'}</dd>
            </div>
          </dl>
        </section>
      )}

      <section aria-labelledby="quota-h" className="card">
        <h2 id="quota-h">Quota</h2>
        {quota === null ? (
          <p>No monthly expression quota. {monthExpressions !== null && `${fmtInt(monthExpressions)} expressions this month (UTC).`}</p>
        ) : (
          <p>
            <label htmlFor="quota-meter">
              {fmtInt(monthExpressions ?? 0)} of {fmtInt(quota)} expressions this month (UTC)
            </label>{' '}
            <meter id="quota-meter" min={0} max={quota} value={monthExpressions ?? 0} low={quota * 0.8} high={quota * 0.95} />
          </p>
        )}
        <p className="muted small">
          Rate limit {fmtInt(session.me.quotas.rateLimitPerMinute)} requests a minute · images up to{' '}
          {fmtInt(session.me.quotas.maxImageBytes / 1024)} KiB and {fmtInt(session.me.quotas.maxImagePixels)} pixels.
        </p>
      </section>

      <section aria-labelledby="latency-h" className="card">
        <h2 id="latency-h">Latency</h2>
        {latency && latency.n > 0 ? (
          <>
            <dl className="stats compact" data-role="latency">
              <div>
                <dt>p50</dt>
                <dd>{fmtMs(latency.p50)}</dd>
              </div>
              <div>
                <dt>p90</dt>
                <dd>{fmtMs(latency.p90)}</dd>
              </div>
              <div>
                <dt>p99</dt>
                <dd>{fmtMs(latency.p99)}</dd>
              </div>
            </dl>
            <p className="muted small">
              From queueing to result, over the {latency.n} most recent succeeded requests in the range (at most {LATENCY_SAMPLE}).
            </p>
          </>
        ) : (
          <p className="muted">No succeeded requests in this range.</p>
        )}
      </section>

      {report && (
        <section aria-labelledby="series-h">
          <h2 id="series-h">Per {report.granularity === 'HOUR' ? 'hour' : 'day'}</h2>
          <div className="charts">
            <BarChart title="Requests" labels={labels} values={report.series.map((p) => p.requests)} format={fmtInt} />
            <BarChart title="Expressions" labels={labels} values={report.series.map((p) => p.expressions)} format={fmtInt} />
            <BarChart title="Images" labels={labels} values={report.series.map((p) => p.images)} format={fmtInt} />
            <BarChart title="GPU time" labels={labels} values={report.series.map((p) => p.gpuMs)} format={fmtMs} />
            <BarChart title="Failed expressions" labels={labels} values={report.series.map((p) => p.failures)} format={fmtInt} />
          </div>
          <details>
            <summary>The numbers as a table</summary>
            <div className="table-scroll">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Bucket (UTC)</th>
                    <th scope="col">Requests</th>
                    <th scope="col">Expressions</th>
                    <th scope="col">Images</th>
                    <th scope="col">GPU time</th>
                    <th scope="col">Failures</th>
                  </tr>
                </thead>
                <tbody>
                  {report.series.map((p, i) => (
                    <tr key={p.bucket}>
                      <th scope="row">{labels[i]}</th>
                      <td>{p.requests}</td>
                      <td>{p.expressions}</td>
                      <td>{p.images}</td>
                      <td>{fmtMs(p.gpuMs)}</td>
                      <td>{p.failures}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        </section>
      )}

      <section aria-labelledby="recent-h">
        <h2 id="recent-h">Recent requests {recentTotal !== null && <span className="muted small">({fmtInt(recentTotal)} in all)</span>}</h2>
        {recent.length === 0 ? (
          <p className="muted">No requests yet.</p>
        ) : (
          <div className="table-scroll">
            <table data-role="recent">
              <thead>
                <tr>
                  <th scope="col">Expression</th>
                  <th scope="col">Status</th>
                  <th scope="col">Score</th>
                  <th scope="col">GPU</th>
                  <th scope="col">Created (UTC)</th>
                </tr>
              </thead>
              <tbody>
                {recent.map((s) => (
                  <tr key={s.id} data-segmentation-id={s.id}>
                    <th scope="row">
                      <a href={`#/requests/${s.id}`}>{s.expression}</a>
                    </th>
                    <td>
                      <StatusBadge status={s.status} />
                      {s.error ? <code className="small"> {s.error.code}</code> : null}
                    </td>
                    <td>{fmtScore(s.score)}</td>
                    <td>{fmtMs(s.gpuMs)}</td>
                    <td>{fmtTime(s.createdAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
        {recentCursor && (
          <button type="button" className="secondary" onClick={more}>
            Show more
          </button>
        )}
      </section>
    </>
  );
}

/** Queue-to-result latency of the newest succeeded requests created since `from` (pages through `segmentations`). */
async function latencySample(token: string, from: Date) {
  const ms: number[] = [];
  let after: string | null = null;
  let seen = 0;
  outer: for (;;) {
    const d: RecentPage = await gql<RecentPage>(token, RECENT, { first: 100, after });
    for (const { node } of d.segmentations.edges) {
      if (new Date(node.createdAt) < from) break outer;
      seen += 1;
      if (node.finishedAt && node.status === 'SUCCEEDED') ms.push(new Date(node.finishedAt).getTime() - new Date(node.createdAt).getTime());
      if (seen >= LATENCY_SAMPLE) break outer;
    }
    if (!d.segmentations.pageInfo.hasNextPage) break;
    after = d.segmentations.pageInfo.endCursor;
  }
  ms.sort((a, b) => a - b);
  return { n: ms.length, p50: percentile(ms, 50), p90: percentile(ms, 90), p99: percentile(ms, 99) };
}
