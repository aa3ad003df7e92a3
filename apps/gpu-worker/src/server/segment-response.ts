import type { ExpressionError, ExpressionResult, SegmentResult } from '@refdiff/pipeline';
import type { Box, ExpressionOutcome, SegmentResponse } from '@refdiff/worker-contract';

const PRESET = { paper: 'PRESET_PAPER', reference: 'PRESET_REFERENCE' } as const;
const PROPOSAL_SOURCE = { sam: 'PROPOSAL_SOURCE_SAM', 'weight-free': 'PROPOSAL_SOURCE_WEIGHT_FREE' } as const;
const DIRECTION = {
  left: 'DIRECTION_CUE_LEFT',
  right: 'DIRECTION_CUE_RIGHT',
  top: 'DIRECTION_CUE_TOP',
  bottom: 'DIRECTION_CUE_BOTTOM',
  center: 'DIRECTION_CUE_CENTER',
} as const;

const box = ([x0, y0, x1, y1]: readonly [number, number, number, number]): Box => ({ x0, y0, x1, y1 });

/** float32 little-endian bytes, whatever the host's byte order. */
function float32Le(data: Float32Array): Buffer {
  const out = Buffer.allocUnsafe(data.length * 4);
  for (let i = 0; i < data.length; i++) out.writeFloatLE(data[i], i * 4);
  return out;
}

function outcome(r: ExpressionResult | ExpressionError): ExpressionOutcome {
  if (!r.ok) return { expression: r.expression, error: { code: r.error.code, message: r.error.message } };
  return {
    expression: r.expression,
    result: {
      mask: {
        rle: { height: r.mask.rle.size[0], width: r.mask.rle.size[1], counts: r.mask.rle.counts },
        bbox: box(r.mask.bbox),
        area: r.mask.area,
      },
      chosen: r.chosen,
      score: r.score,
      proposals: r.proposals.map((p) => ({
        generative: p.generative,
        hard: p.hard,
        soft: p.soft,
        fused: p.fused,
        bbox: box(p.bbox),
        area: p.area,
        filtered: p.filtered,
      })),
      root: { index: r.root.index, word: r.root.word },
      directions: r.directions.map((d) => ({ cue: DIRECTION[d.cue], index: d.index })),
      timingsMs: { ...r.timingsMs },
      attention: r.attention
        ? { width: r.attention.width, height: r.attention.height, data: float32Le(r.attention.data) }
        : null,
    },
  };
}

export function toSegmentResponse(result: SegmentResult, requestId: string): SegmentResponse {
  return {
    image: { ...result.image },
    preset: PRESET[result.preset],
    proposalSource: PROPOSAL_SOURCE[result.proposalSource],
    results: result.results.map(outcome),
    timingsMs: { ...result.timingsMs },
    modelCalls: { ...result.modelCalls },
    imageCacheHit: result.imageCacheHit,
    requestId,
  };
}
