/**
 * Playground: pick or drop an image, type expressions (one per line), run. The image is uploaded (POST /v1/images),
 * one segmentation per expression is queued (`segment`), and the `segmentationUpdated` subscription (WebSocket)
 * pushes each status change until all are done, showing progress meanwhile; if the socket cannot be used (a proxy
 * that refuses WebSockets, a dropped connection), `waitForSegmentations` long-polls from where it got to. Each result is drawn over the image the user picked.
 */
import { useEffect, useRef, useState, type DragEvent, type FormEvent } from 'react';
import { ApiError, describeError, gql, uploadImage, type UploadedImage } from '../api/client';
import { CANCEL, SEGMENT, TERMINAL, WAIT, type Segmentation } from '../api/queries';
import { watchSegmentations } from '../api/subscriptions';
import type { Session } from '../app';
import { CombinedOverlay } from '../components/combined-overlay';
import { ResultCard } from '../components/result-card';
import { imagePixels } from '../lib/mask-canvas';

type Phase = 'idle' | 'uploading' | 'queueing' | 'waiting' | 'done';

const ACCEPT = 'image/png,image/jpeg,image/webp';

export function PlaygroundPage({ session }: { session: Session }) {
  const [file, setFile] = useState<File | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [pixels, setPixels] = useState<ImageData | null>(null);
  const [expressions, setExpressions] = useState('');
  const [preset, setPreset] = useState('');
  const [proposals, setProposals] = useState('');
  const [attention, setAttention] = useState(true);
  const [phase, setPhase] = useState<Phase>('idle');
  const [error, setError] = useState<string | null>(null);
  const [image, setImage] = useState<UploadedImage | null>(null);
  const [results, setResults] = useState<Segmentation[]>([]);
  const [dragging, setDragging] = useState(false);
  const abortRef = useRef<AbortController | null>(null);
  const canSegment = session.me.scopes.includes('SEGMENT');

  useEffect(() => () => abortRef.current?.abort(), []);

  useEffect(() => {
    if (!file) return;
    const url = URL.createObjectURL(file);
    setPreview(url);
    setPixels(null);
    const img = new Image();
    img.onload = () => setPixels(imagePixels(img));
    img.onerror = () => setError('This file could not be shown as an image in the browser.');
    img.src = url;
    return () => URL.revokeObjectURL(url);
  }, [file]);

  function pick(f: File | undefined | null) {
    if (!f) return;
    setError(null);
    setResults([]);
    setImage(null);
    setPhase('idle');
    setFile(f);
  }

  function onDrop(e: DragEvent) {
    e.preventDefault();
    setDragging(false);
    pick(e.dataTransfer.files?.[0]);
  }

  async function run(e: FormEvent) {
    e.preventDefault();
    const list = expressions
      .split('\n')
      .map((s) => s.trim())
      .filter(Boolean);
    if (!file) return setError('Pick an image first.');
    if (list.length === 0) return setError('Type at least one expression, one per line.');
    abortRef.current?.abort();
    const abort = new AbortController();
    abortRef.current = abort;
    setError(null);
    setResults([]);
    try {
      setPhase('uploading');
      const uploaded = await uploadImage(session.token, file, abort.signal);
      setImage(uploaded);
      setPhase('queueing');
      const options: Record<string, string | boolean> = {};
      if (preset) options.preset = preset;
      if (proposals) options.proposals = proposals;
      if (attention) options.returnAttention = true;
      const { segment } = await gql<{ segment: Segmentation[] }>(
        session.token,
        SEGMENT,
        { imageId: uploaded.id, expressions: list, options: Object.keys(options).length ? options : null },
        abort.signal,
      );
      setResults(segment);
      setPhase('waiting');
      let current = segment;
      try {
        await watchSegmentations(
          session.token,
          segment.map((s) => s.id),
          (update) => {
            current = current.map((s) => (s.id === update.id ? update : s));
            setResults(current);
          },
          abort.signal,
        );
      } catch (err) {
        // An answer from the API (a revoked key…) is shown; a socket that failed falls back to the long poll.
        if (!(err instanceof ApiError) || err.code !== 'NETWORK') throw err;
      }
      if (abort.signal.aborted) return;
      while (!current.every((s) => TERMINAL.includes(s.status))) {
        const { waitForSegmentations } = await gql<{ waitForSegmentations: Segmentation[] }>(
          session.token,
          WAIT,
          { ids: current.map((s) => s.id), timeout: 20 },
          abort.signal,
        );
        current = waitForSegmentations;
        setResults(current);
      }
      setPhase('done');
    } catch (err) {
      if (abort.signal.aborted) return;
      setError(describeError(err));
      setPhase('done');
    }
  }

  async function cancel() {
    const open = results.filter((s) => !TERMINAL.includes(s.status));
    try {
      await Promise.all(open.map((s) => gql(session.token, CANCEL, { id: s.id })));
    } catch (err) {
      setError(describeError(err));
    }
  }

  const running = phase === 'uploading' || phase === 'queueing' || phase === 'waiting';
  const done = results.filter((s) => TERMINAL.includes(s.status)).length;
  const counts = { queued: 0, running: 0 } as Record<string, number>;
  for (const s of results) if (s.status === 'QUEUED' || s.status === 'RUNNING') counts[s.status.toLowerCase()] += 1;
  const statusText =
    phase === 'uploading'
      ? 'Uploading the image…'
      : phase === 'queueing'
        ? 'Queueing the expressions…'
        : phase === 'waiting'
          ? `Segmenting: ${done} of ${results.length} done (${counts.queued} queued, ${counts.running} running)…`
          : phase === 'done' && results.length
            ? `Finished: ${results.filter((s) => s.status === 'SUCCEEDED').length} of ${results.length} succeeded.`
            : '';

  return (
    <>
      <h1>Playground</h1>
      {!canSegment && (
        <p className="error" role="alert">
          This key lacks the SEGMENT scope: it can read results and usage but cannot run segmentations.
        </p>
      )}
      <form className="card playground-form" onSubmit={run}>
        <div
          className={`dropzone${dragging ? ' dragging' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          <label htmlFor="image-file">Image (PNG, JPEG or WebP): drop it here or choose a file</label>
          <input id="image-file" type="file" accept={ACCEPT} onChange={(e) => pick(e.target.files?.[0])} />
          {preview && <img src={preview} alt="The image to segment" className="preview" />}
          {file && (
            <p className="muted small">
              {file.name} · {(file.size / 1024).toFixed(1)} KiB{pixels ? ` · ${pixels.width}×${pixels.height}` : ''}
              {image ? ` · stored as ${image.id}` : ''}
            </p>
          )}
        </div>
        <div className="fields">
          <label htmlFor="expressions">Expressions, one per line</label>
          <textarea
            id="expressions"
            rows={4}
            value={expressions}
            onChange={(e) => setExpressions(e.target.value)}
            placeholder={'the red circle on the left\nthe blue square'}
          />
          <div className="row">
            <label>
              Preset{' '}
              <select value={preset} onChange={(e) => setPreset(e.target.value)}>
                <option value="">server default</option>
                <option value="PAPER">paper</option>
                <option value="REFERENCE">reference</option>
              </select>
            </label>
            <label>
              Proposals{' '}
              <select value={proposals} onChange={(e) => setProposals(e.target.value)}>
                <option value="">preset's</option>
                <option value="SAM">SAM</option>
                <option value="WEIGHT_FREE">weight-free</option>
              </select>
            </label>
            <label>
              <input type="checkbox" checked={attention} onChange={(e) => setAttention(e.target.checked)} /> Attention heat map
            </label>
          </div>
          <div className="row">
            <button type="submit" disabled={running || !canSegment}>
              {running ? 'Running…' : 'Run'}
            </button>
            {phase === 'waiting' && (
              <button type="button" className="secondary" onClick={cancel}>
                Cancel
              </button>
            )}
          </div>
        </div>
      </form>

      <div aria-live="polite" role="status" className="progress-line" data-role="progress">
        {running && <progress max={Math.max(1, results.length)} value={phase === 'waiting' ? done : undefined} aria-label="Progress" />}
        <span>{statusText}</span>
      </div>
      {error && (
        <p className="error" role="alert" data-role="error">
          {error}
        </p>
      )}

      {results.length > 0 && (
        <section aria-label="Results" className="results">
          {pixels && <CombinedOverlay base={pixels} results={results} />}
          {results.map((s, i) => (
            <ResultCard key={s.id} seg={s} colorIndex={i} base={pixels} />
          ))}
        </section>
      )}
    </>
  );
}
