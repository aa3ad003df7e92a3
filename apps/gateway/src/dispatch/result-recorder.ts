/**
 * Group commit of results: worker calls that finish while a result statement is under way are recorded together in
 * the next one (one statement, one transaction, one usage rollup upsert per tenant and hour, one commit) instead of
 * one each. Nothing waits when idle: a call's results are written at once when no statement is running; results
 * gather only while one runs, up to `maxItems` a statement. Should a grouped statement fail, its items are written
 * one by one, so one bad item (or a tenant gone meanwhile) costs no other call its results.
 */
import type { SegmentationRequest } from '../__generated__/prisma/client';
import type { FinishItem } from '../segmentation/segmentation.sql';

export interface RecordedResults {
  /** Per item, whether it was written (false: cancelled or re-leased meanwhile, or its statement failed). */
  written: boolean[];
  /** The rows written, as committed. */
  rows: SegmentationRequest[];
  /** Items whose statement failed (nothing written for them), with the error. */
  failed: { id: string; err: unknown }[];
}

/** Writes items in one statement (QueueRepository.finish for one owner), `at` as their finishedAt. */
export type WriteResults = (items: readonly FinishItem[], at: Date) => Promise<{ written: boolean[]; rows: SegmentationRequest[] }>;

interface Submission {
  items: readonly FinishItem[];
  resolve: (r: RecordedResults) => void;
}

export class ResultRecorder {
  private pending: Submission[] = [];
  private flushing = false;
  /** Statements written, and items in them (tests, the bench). */
  statements = 0;
  items = 0;

  constructor(
    private readonly write: WriteResults,
    /** Most items in one statement; a submission larger than this is written alone. */
    private readonly maxItems = 64,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Records one call's results, grouped with others that come while a statement runs; never rejects. */
  record(items: readonly FinishItem[]): Promise<RecordedResults> {
    if (items.length === 0) return Promise.resolve({ written: [], rows: [], failed: [] });
    return new Promise((resolve) => {
      this.pending.push({ items, resolve });
      if (!this.flushing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0) {
        let n = 0;
        let k = 0;
        while (k < this.pending.length && (k === 0 || n + this.pending[k].items.length <= this.maxItems)) n += this.pending[k++].items.length;
        await this.flush(this.pending.splice(0, k));
      }
    } finally {
      this.flushing = false;
    }
  }

  private async flush(batch: Submission[]): Promise<void> {
    const items = batch.flatMap((s) => s.items);
    try {
      const done = await this.run(items);
      let at = 0;
      const byId = new Map(done.rows.map((r) => [r.id, r]));
      for (const s of batch) {
        const written = done.written.slice(at, at + s.items.length);
        at += s.items.length;
        const rows: SegmentationRequest[] = [];
        for (const item of s.items) {
          const row = byId.get(item.id.toLowerCase());
          if (row) rows.push(row);
        }
        s.resolve({ written, rows, failed: [] });
      }
    } catch (err) {
      if (items.length === 1) {
        batch[0].resolve({ written: [false], rows: [], failed: [{ id: items[0].id, err }] });
        return;
      }
      // one by one: an item that fails alone fails only itself
      for (const s of batch) {
        const out: RecordedResults = { written: [], rows: [], failed: [] };
        for (const item of s.items) {
          try {
            const one = await this.run([item]);
            out.written.push(one.written[0] ?? false);
            out.rows.push(...one.rows);
          } catch (e) {
            out.written.push(false);
            out.failed.push({ id: item.id, err: e });
          }
        }
        s.resolve(out);
      }
    }
  }

  private run(items: readonly FinishItem[]) {
    this.statements += 1;
    this.items += items.length;
    return this.write(items, this.now());
  }
}
