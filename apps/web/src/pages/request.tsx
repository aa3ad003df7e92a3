/** One request's result, linked from the usage page's table. The API keeps no way to fetch the image bytes back, so the
 * mask is drawn on a blank canvas of the image's size. */
import { useEffect, useState } from 'react';
import { describeError, gql } from '../api/client';
import { SEGMENTATION, type Segmentation } from '../api/queries';
import type { Session } from '../app';
import { ResultCard } from '../components/result-card';
import { fmtTime } from '../lib/format';

export function RequestPage({ session, id }: { session: Session; id: string }) {
  const [seg, setSeg] = useState<Segmentation | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    setSeg(null);
    setError(null);
    gql<{ segmentation: Segmentation }>(session.token, SEGMENTATION, { id })
      .then((d) => live && setSeg(d.segmentation))
      .catch((err) => live && setError(describeError(err)));
    return () => {
      live = false;
    };
  }, [session.token, id]);

  return (
    <>
      <p>
        <a href="#/usage">← Usage</a>
      </p>
      <h1>Request</h1>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {!seg && !error && <p role="status">Loading…</p>}
      {seg && (
        <>
          <p className="muted small">
            {seg.id} · image {seg.image.id} ({seg.image.width}×{seg.image.height} {seg.image.format}) · created {fmtTime(seg.createdAt)}
            {seg.finishedAt ? ` · finished ${fmtTime(seg.finishedAt)}` : ''}
          </p>
          <ResultCard seg={seg} colorIndex={0} base={null} />
        </>
      )}
    </>
  );
}
