import { readFile, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import {
  decodeImage,
  decodeRle,
  encodeMaskPng,
  encodeOverlayPng,
  type ExpressionResult,
  type Preset,
  type ProposalSource,
  type SegmentOptions,
} from '@refdiff/pipeline';
import { openEngine } from './engine';
import { checkMethodOptions } from './method-options';

export interface SegmentCommandOptions {
  image: string;
  text: string[];
  models?: string;
  preset?: Preset;
  proposals?: ProposalSource;
  out?: string;
  overlay?: string;
  json?: boolean;
  seed?: number;
  threads?: number;
  /** every method option given (flags of the shared option table); wins over preset/proposals/seed above */
  method?: SegmentOptions;
}

/** `mask.png` for the first expression, `mask-2.png`, `mask-3.png`… for the next ones. */
export function nthPath(path: string, i: number): string {
  if (i === 0) return path;
  const ext = extname(path);
  return `${path.slice(0, path.length - ext.length)}-${i + 1}${ext}`;
}

export async function runSegment(
  o: SegmentCommandOptions,
  io: { stdout: (s: string) => void; stderr: (s: string) => void },
): Promise<number> {
  if (o.text.length === 0) throw new Error('give at least one --text "expression"');
  const bytes = new Uint8Array(await readFile(o.image).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read the image ${o.image}: ${err.code ?? err.message}`);
  }));
  const engine = await openEngine({ models: o.models, threads: o.threads }, (l) => io.stderr(l + '\n'));
  try {
    const options: SegmentOptions = { preset: o.preset, proposals: o.proposals, seed: o.seed, ...o.method };
    checkMethodOptions(options, engine.pack?.limits); // the pack-dependent rules, named by flag
    const r = await engine.segment({ image: bytes }, o.text, options);
    const oks = r.results.filter((e): e is ExpressionResult => e.ok);
    if (o.out || o.overlay) {
      const rgb = o.overlay ? await decodeImage(bytes) : null;
      let i = 0;
      for (const e of r.results) {
        if (e.ok) {
          const mask = decodeRle(e.mask.rle);
          if (o.out) await writeFile(nthPath(o.out, i), await encodeMaskPng(mask, r.image.width, r.image.height));
          if (o.overlay && rgb) await writeFile(nthPath(o.overlay, i), await encodeOverlayPng(rgb, mask, { outline: true }));
        }
        i++;
      }
    }
    if (o.json) {
      io.stdout(
        JSON.stringify({
          image: r.image,
          preset: r.preset,
          proposalSource: r.proposalSource,
          masks: r.results.map((e) =>
            e.ok
              ? {
                  expression: e.expression,
                  ok: true,
                  rle: e.mask.rle,
                  bbox: e.mask.bbox,
                  area: e.mask.area,
                  score: e.score,
                  root: e.root,
                  directions: e.directions,
                  timingsMs: e.timingsMs,
                }
              : { expression: e.expression, ok: false, error: e.error },
          ),
          timingsMs: r.timingsMs,
          modelCalls: r.modelCalls,
          imageCacheHit: r.imageCacheHit,
        }) + '\n',
      );
    } else {
      for (const e of r.results) {
        if (e.ok) {
          io.stdout(
            `${JSON.stringify(e.expression)}: box [${e.mask.bbox.join(', ')}], ${e.mask.area} px, score ${e.score.toFixed(4)}, ` +
              `root "${e.root.word}"${e.directions.length ? `, directions ${e.directions.map((d) => d.cue).join('+')}` : ''}\n`,
          );
        } else io.stdout(`${JSON.stringify(e.expression)}: error ${e.error.code}: ${e.error.message}\n`);
      }
    }
    return oks.length === r.results.length ? 0 : 1;
  } finally {
    await engine.dispose();
  }
}
