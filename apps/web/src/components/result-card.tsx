/**
 * One segmentation as a user reads it: the mask tinted over the image, what the analyser found (root word, direction
 * cues), the proposals ranked by their fused score with the parts it is made of, and downloads. Everything shown is
 * what the API returned for this request.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { ProposalScore, Segmentation } from '../api/queries';
import { cssColor, overlayColor } from '../lib/colors';
import { fmtMs, fmtScore } from '../lib/format';
import { HEAT_GRADIENT, heatmapImage } from '../lib/heatmap';
import { blankPixels, canvasBlob, imagePixels, maskImage, tint } from '../lib/mask-canvas';
import { decodeRle } from '../lib/rle';
import { StatusBadge } from './status-badge';

export interface ResultCardProps {
  seg: Segmentation;
  colorIndex: number;
  /** The image's pixels, when the page has them (the playground from the file; a request page once it downloaded them). */
  base: ImageData | null;
}

function cueName(cue: string | number): string {
  return String(cue).replace(/^DIRECTION_CUE_/, '').toLowerCase();
}

function ExpressionWithRoot({ expression, root }: { expression: string; root: string | null }) {
  if (!root) return <>{expression}</>;
  const at = expression.toLowerCase().indexOf(root.toLowerCase());
  if (at < 0) return <>{expression}</>;
  return (
    <>
      {expression.slice(0, at)}
      <mark title="root word">{expression.slice(at, at + root.length)}</mark>
      {expression.slice(at + root.length)}
    </>
  );
}

interface RankedProposal extends ProposalScore {
  index: number;
}

function rankProposals(proposals: ProposalScore[]): RankedProposal[] {
  const fused = (p: ProposalScore) => (typeof p.fused === 'number' && !p.filtered ? p.fused : -Infinity);
  return proposals.map((p, index) => ({ ...p, index })).sort((a, b) => fused(b) - fused(a) || a.index - b.index);
}

export function ResultCard({ seg, colorIndex, base }: ResultCardProps) {
  const overlayRef = useRef<HTMLCanvasElement>(null);
  const maskRef = useRef<HTMLCanvasElement>(null);
  const [pngUrl, setPngUrl] = useState<string | null>(null);
  const [allBoxes, setAllBoxes] = useState(false);
  const [focused, setFocused] = useState<number | null>(null);
  const color = overlayColor(colorIndex);

  const decoded = useMemo(() => {
    if (!seg.mask) return null;
    try {
      return { mask: decodeRle(seg.mask.rle), error: null };
    } catch (err) {
      return { mask: null, error: err instanceof Error ? err.message : String(err) };
    }
  }, [seg.mask]);

  const [h, w] = seg.mask?.rle.size ?? [seg.image.height, seg.image.width];

  useEffect(() => {
    const mask = decoded?.mask;
    if (!mask) return;
    const overlay = overlayRef.current?.getContext('2d');
    const only = maskRef.current?.getContext('2d');
    if (!overlay || !only || !maskRef.current) return;
    const background = base && base.width === w && base.height === h ? base : blankPixels(w, h);
    overlay.putImageData(tint(background, mask, colorIndex), 0, 0);
    only.putImageData(maskImage(mask, w, h), 0, 0);
    let url: string | null = null;
    let live = true;
    void canvasBlob(maskRef.current).then((blob) => {
      if (!live) return;
      url = URL.createObjectURL(blob);
      setPngUrl(url);
    });
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [decoded, base, colorIndex, w, h]);

  // The attention map: the API's grayscale PNG decoded by the browser, then colour-mapped at its own resolution.
  const heatRef = useRef<HTMLCanvasElement>(null);
  const [heat, setHeat] = useState<{ gray: ImageData } | { error: string } | null>(null);
  useEffect(() => {
    setHeat(null);
    if (!seg.attentionMapPng) return;
    let live = true;
    const img = new Image();
    img.onload = () => live && setHeat({ gray: imagePixels(img) });
    img.onerror = () => live && setHeat({ error: 'the attention map the API returned could not be decoded' });
    img.src = seg.attentionMapPng;
    return () => {
      live = false;
    };
  }, [seg.attentionMapPng]);
  useEffect(() => {
    const ctx = heatRef.current?.getContext('2d');
    if (ctx && heat && 'gray' in heat) ctx.putImageData(heatmapImage(heat.gray), 0, 0);
  }, [heat]);

  const rleUrl = useMemo(() => {
    if (!seg.mask) return null;
    const json = { id: seg.id, expression: seg.expression, size: seg.mask.rle.size, counts: seg.mask.rle.counts, box: seg.mask.box, area: seg.mask.area };
    return URL.createObjectURL(new Blob([JSON.stringify(json, null, 2)], { type: 'application/json' }));
  }, [seg]);
  useEffect(() => () => void (rleUrl && URL.revokeObjectURL(rleUrl)), [rleUrl]);

  const proposals = seg.scores?.proposals ?? [];
  const ranked = rankProposals(proposals);
  const chosen = seg.scores?.chosen;
  const directions = seg.scores?.directions ?? [];
  const box = seg.mask?.box;
  const headingId = `result-${seg.id}`;
  const boxStyle = (b: readonly number[]) => ({
    left: `${(b[0] / w) * 100}%`,
    top: `${(b[1] / h) * 100}%`,
    width: `${((b[2] - b[0] + 1) / w) * 100}%`,
    height: `${((b[3] - b[1] + 1) / h) * 100}%`,
  });
  const proposalBoxes = ranked.filter((p) => p.bbox && p.bbox[2] >= p.bbox[0] && (allBoxes || p.index === focused) && p.index !== chosen);

  return (
    <article className="card result" aria-labelledby={headingId} data-segmentation-id={seg.id} data-status={seg.status}>
      <header className="result-head">
        <span className="swatch" style={{ background: cssColor(color) }} aria-hidden="true" />
        <h3 id={headingId}>
          “<ExpressionWithRoot expression={seg.expression} root={seg.rootWord} />”
        </h3>
        <StatusBadge status={seg.status} />
      </header>

      {seg.error && (
        <p className="error" role="alert">
          {seg.status === 'FAILED' ? 'Failed' : 'Last attempt failed'}: {seg.error.message} <code>{seg.error.code}</code>
        </p>
      )}

      {decoded?.error && (
        <p className="error" role="alert">
          The mask the API returned could not be decoded: {decoded.error}
        </p>
      )}

      {decoded?.mask && (
        <div className="figures">
          <figure className="overlay-figure">
            <div className="overlay-wrap">
              <canvas
                ref={overlayRef}
                width={w}
                height={h}
                className="overlay"
                data-role="overlay"
                role="img"
                aria-label={`Mask for “${seg.expression}” over the image`}
              />
              {box && box[2] >= box[0] && <div className="box" aria-hidden="true" style={{ ...boxStyle(box), borderColor: cssColor(color) }} />}
              {proposalBoxes.map((p) => (
                <div
                  key={p.index}
                  className={`box proposal-box${p.index === focused ? ' focused' : ''}`}
                  aria-hidden="true"
                  data-proposal={p.index}
                  style={boxStyle(p.bbox as number[])}
                >
                  <span>#{p.index}</span>
                </div>
              ))}
            </div>
            <figcaption>
              Mask over {base ? 'the image' : 'a blank canvas of the image\'s size'}; area{' '}
              {seg.mask?.area.toLocaleString('en-US')} px, box [{box?.join(', ')}]
            </figcaption>
          </figure>
          <figure className="mask-figure">
            <canvas ref={maskRef} width={w} height={h} className="mask" data-role="mask" role="img" aria-label={`Binary mask for “${seg.expression}”`} />
            <figcaption>Mask</figcaption>
          </figure>
          {heat && 'gray' in heat && (
            <figure className="heat-figure">
              <canvas
                ref={heatRef}
                width={heat.gray.width}
                height={heat.gray.height}
                className="heat"
                data-role="attention"
                role="img"
                aria-label={`Attention heat map for “${seg.expression}”`}
              />
              <figcaption>
                Attention heat map ({heat.gray.width}×{heat.gray.height})
                <span className="heat-legend" aria-hidden="true">
                  <span>low</span>
                  <span className="heat-ramp" style={{ background: HEAT_GRADIENT }} />
                  <span>high</span>
                </span>
              </figcaption>
            </figure>
          )}
        </div>
      )}
      {heat && 'error' in heat && (
        <p className="error" role="alert">
          {heat.error}
        </p>
      )}

      <dl className="facts">
        <div>
          <dt>Score</dt>
          <dd>{fmtScore(seg.score)}</dd>
        </div>
        <div>
          <dt>Root word</dt>
          <dd data-role="root">{seg.rootWord ?? '—'}</dd>
        </div>
        <div>
          <dt>Direction cues</dt>
          <dd data-role="directions">
            {!seg.scores ? '—' : directions.length ? directions.map((d) => `${cueName(d.cue)} (word ${d.index})`).join(', ') : 'none'}
          </dd>
        </div>
        <div>
          <dt>GPU time</dt>
          <dd>{fmtMs(seg.gpuMs)}</dd>
        </div>
        <div>
          <dt>Worker</dt>
          <dd>{seg.worker ?? '—'}</dd>
        </div>
        <div>
          <dt>Attempts</dt>
          <dd>{seg.attempts}</dd>
        </div>
        {Object.keys(seg.options ?? {}).length > 0 && (
          <div>
            <dt>Options</dt>
            <dd>
              <code>{Object.entries(seg.options).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ')}</code>
            </dd>
          </div>
        )}
      </dl>

      {seg.mask && (
        <p className="downloads">
          {pngUrl && (
            <a className="button secondary" href={pngUrl} download={`${seg.id}-mask.png`} data-role="download-png">
              Download mask PNG
            </a>
          )}
          {rleUrl && (
            <a className="button secondary" href={rleUrl} download={`${seg.id}-rle.json`} data-role="download-rle">
              Download COCO RLE JSON
            </a>
          )}
        </p>
      )}

      {ranked.length > 0 && decoded?.mask && (
        <label className="small">
          <input type="checkbox" checked={allBoxes} onChange={(e) => setAllBoxes(e.target.checked)} /> Show every proposal&apos;s box on the
          image (or point at a row)
        </label>
      )}
      {ranked.length > 0 && (
        <div className="table-scroll">
          <table className="proposals">
            <caption>
              Proposals ranked by fused score: the preset&apos;s weighted sum of the generative score (diffusion attention) and
              the hard and soft CLIP scores. Filtered proposals do not compete; the highest fused score wins.
            </caption>
            <thead>
              <tr>
                <th scope="col">Rank</th>
                <th scope="col">Proposal</th>
                <th scope="col">Generative</th>
                <th scope="col">Hard</th>
                <th scope="col">Soft</th>
                <th scope="col">Fused</th>
                <th scope="col">Area</th>
              </tr>
            </thead>
            <tbody>
              {ranked.map((p, rank) => (
                <tr
                  key={p.index}
                  className={p.index === chosen ? 'chosen' : p.filtered ? 'filtered' : undefined}
                  onMouseEnter={() => setFocused(p.index)}
                  onMouseLeave={() => setFocused(null)}
                >
                  <td>{p.filtered ? '—' : rank + 1}</td>
                  <th scope="row">
                    #{p.index}
                    {p.index === chosen && <span className="tag"> chosen</span>}
                    {p.filtered && <span className="tag muted"> filtered</span>}
                  </th>
                  <td>{fmtScore(p.generative)}</td>
                  <td>{fmtScore(p.hard)}</td>
                  <td>{fmtScore(p.soft)}</td>
                  <td>{fmtScore(p.fused)}</td>
                  <td>{p.area.toLocaleString('en-US')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {seg.status === 'SUCCEEDED' && !seg.attentionMapPng && (
        <p className="muted small">No attention heat map: the request did not ask for one (the playground&apos;s “Attention heat map” option).</p>
      )}
    </article>
  );
}
