/** Every succeeded result's mask on one copy of the image, each in its expression's colour, with a legend. */
import { useEffect, useMemo, useRef } from 'react';
import type { Segmentation } from '../api/queries';
import { cssColor, overlayColor } from '../lib/colors';
import { tint } from '../lib/mask-canvas';
import { decodeRle } from '../lib/rle';

export function CombinedOverlay({ base, results }: { base: ImageData; results: Segmentation[] }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const masks = useMemo(
    () =>
      results.flatMap((s, i) => {
        if (!s.mask || s.mask.rle.size[0] !== base.height || s.mask.rle.size[1] !== base.width) return [];
        try {
          return [{ i, seg: s, mask: decodeRle(s.mask.rle) }];
        } catch {
          return [];
        }
      }),
    [results, base],
  );
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    let img = base;
    for (const m of masks) img = tint(img, m.mask, m.i, 0.5);
    ctx.putImageData(img, 0, 0);
  }, [base, masks]);
  if (masks.length < 2) return null;
  return (
    <figure className="card combined">
      <canvas
        ref={ref}
        width={base.width}
        height={base.height}
        className="overlay"
        data-role="combined"
        role="img"
        aria-label={`All ${masks.length} masks over the image`}
      />
      <figcaption>
        All results on the image (where masks overlap, the later colour lies on top):
        <ul className="legend">
          {masks.map((m) => (
            <li key={m.seg.id}>
              <span className="swatch" style={{ background: cssColor(overlayColor(m.i)) }} aria-hidden="true" />
              {m.seg.expression}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
