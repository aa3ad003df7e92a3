import { PipelineError } from '../errors/pipeline.errors';
import { maskRuns } from '../proposals/generative-score';
import type { SamDecodeResult } from '../ports/ref-diff-models';
import type { SamPostProcessor, SamPostSession, SamProposals } from '../ports/sam-post-processor';
import type { SamGeometry } from '../sam/sam-geometry';
import { SamMaskGenerator, type SamAmgSettings } from '../sam/sam-mask-generator';

/**
 * The synchronous work of one image's SAM post-processing, wherever it runs: the mask generator fed batch by batch,
 * then NMS, the kept masks materialised and their runs. The inline processor and the GPU worker's threads run this
 * same code, so their proposals are identical.
 */
export class SamPostJob {
  private readonly generator: SamMaskGenerator;

  constructor(geometry: SamGeometry, settings: SamAmgSettings) {
    this.generator = new SamMaskGenerator(geometry, settings);
  }

  addBatch(decoded: SamDecodeResult, firstPoint: number): void {
    this.generator.addBatch(decoded, firstPoint);
  }

  /** See SamMaskGenerator.lendLowResLogits: a buffer addBatch reads in place, for the decoder to write into. */
  lendLowResLogits(points: number): Float32Array | null {
    return this.generator.lendLowResLogits(points);
  }

  giveBack(data: Float32Array): void {
    this.generator.giveBack(data);
  }

  /** Drops the job (an aborted or failed image): lent buffers and the windows' memory go back to their pools. */
  close(): void {
    this.generator.release();
  }

  finish(): SamProposals {
    const generator = this.generator;
    const kept = generator.finish();
    const masks = kept.map((k) => generator.mask(k));
    // the support windows are no longer needed: their memory goes to the next image's generator
    generator.release();
    // the generator's area and box are exactly those of the materialised mask (tested): no rescan
    const areas = kept.map((k) => k.area);
    const boxes = kept.map((k) => [...k.box] as [number, number, number, number]);
    return { masks, areas, boxes, runs: masks.map((m) => maskRuns(m)), stages: { ...generator.counts } };
  }
}

/** SAM post-processing on the caller's thread, each batch processed when it is handed over (the default). */
export const inlineSamPostProcessor: SamPostProcessor = {
  open(geometry: SamGeometry, settings: SamAmgSettings): SamPostSession {
    let job: SamPostJob | null = new SamPostJob(geometry, settings);
    let workMs = 0;
    const live = () => {
      if (!job) throw new PipelineError('INTERNAL', 'SAM post-processing session is closed');
      return job;
    };
    return {
      lendLowResLogits(points) {
        return job ? job.lendLowResLogits(points) : null;
      },
      giveBack(data) {
        job?.giveBack(data);
      },
      async addBatch(decoded, firstPoint) {
        const t0 = performance.now();
        try {
          live().addBatch(decoded, firstPoint);
        } finally {
          workMs += performance.now() - t0;
        }
      },
      async finish() {
        const t0 = performance.now();
        const proposals = live().finish();
        job = null;
        workMs += performance.now() - t0;
        return { proposals, workMs };
      },
      close() {
        job?.close();
        job = null;
      },
    };
  },
};
