/**
 * One request's result, linked from the usage page's table: the mask drawn over the request's image, fetched with the
 * key from GET /v1/images/:id (on a blank canvas of the image's size only if that fails, and the page says why).
 */
import { useEffect, useState } from 'react';
import { describeError, downloadImage, gql } from '../api/client';
import { SEGMENTATION, type Segmentation } from '../api/queries';
import type { Session } from '../app';
import { ResultCard } from '../components/result-card';
import { fmtTime } from '../lib/format';
import { imagePixels } from '../lib/mask-canvas';

/** Decodes an image blob to its pixels at natural size (through an object URL: the CSP allows blob: images). */
function blobPixels(blob: Blob): Promise<ImageData> {
  const url = URL.createObjectURL(blob);
  return new Promise<ImageData>((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(imagePixels(img));
    img.onerror = () => reject(new Error('the browser could not decode the image'));
    img.src = url;
  }).finally(() => URL.revokeObjectURL(url));
}

export function RequestPage({ session, id }: { session: Session; id: string }) {
  const [seg, setSeg] = useState<Segmentation | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [base, setBase] = useState<ImageData | null>(null);
  const [imageError, setImageError] = useState<string | null>(null);

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

  const imageId = seg?.image.id;
  useEffect(() => {
    setBase(null);
    setImageError(null);
    if (!imageId) return;
    const abort = new AbortController();
    downloadImage(session.token, imageId, abort.signal)
      .then(blobPixels)
      .then((pixels) => !abort.signal.aborted && setBase(pixels))
      .catch((err) => !abort.signal.aborted && setImageError(describeError(err)));
    return () => abort.abort();
  }, [session.token, imageId]);

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
          {imageError && (
            <p className="error" role="alert">
              The image could not be loaded ({imageError}); the mask is drawn on a blank canvas of its size.
            </p>
          )}
          {!base && !imageError && <p className="muted small">Loading the image…</p>}
          <ResultCard seg={seg} colorIndex={0} base={base} />
        </>
      )}
    </>
  );
}
