/**
 * A small SVG bar chart of one series (no chart library, nothing fetched): bars scale to the series' maximum, the
 * title and the numbers are in the markup for screen readers, and a table of the same values sits beneath it.
 */
import { useId } from 'react';

export interface BarChartProps {
  title: string;
  labels: string[];
  values: number[];
  format: (v: number) => string;
}

export function BarChart({ title, labels, values, format }: BarChartProps) {
  const id = useId();
  const max = Math.max(0, ...values);
  const n = Math.max(1, values.length);
  const W = 300;
  const H = 100;
  const gap = n > 60 ? 0 : 1;
  const bw = W / n;
  const total = values.reduce((a, b) => a + b, 0);
  return (
    <figure className="chart card">
      <figcaption id={`${id}-t`}>
        <strong>{title}</strong> <span className="muted">· total {format(total)} · peak {format(max)}</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} preserveAspectRatio="none" role="img" aria-labelledby={`${id}-t`} className="bars">
        <line x1="0" y1={H - 0.5} x2={W} y2={H - 0.5} className="axis" />
        {values.map((v, i) => {
          const h = max > 0 ? (v / max) * (H - 4) : 0;
          return (
            <rect key={i} x={i * bw + gap / 2} y={H - h} width={Math.max(0.5, bw - gap)} height={h} className="bar">
              <title>{`${labels[i]}: ${format(v)}`}</title>
            </rect>
          );
        })}
      </svg>
      <div className="chart-range muted small">
        <span>{labels[0] ?? ''}</span>
        <span>{labels[labels.length - 1] ?? ''}</span>
      </div>
    </figure>
  );
}
