import type { RefDiffModels } from '@refdiff/pipeline';

/**
 * Device busy time as the worker sees it: the time during which at least one model call is in flight. On one
 * device that works whenever it has work (a GPU with its queue, or the simulated device of `refdiff bench worker`),
 * that union is the device's busy time, so busy ÷ wall is how well the CPU keeps it fed.
 */
export class DeviceBusyMeter {
  private inFlight = 0;
  private since = 0;
  private busy = 0;
  private lastRead = { at: performance.now(), busy: 0 };

  /** The same models, every call counted. */
  wrap(models: RefDiffModels): RefDiffModels {
    const track =
      <A extends unknown[], R>(f: (...args: A) => Promise<R>) =>
      (...args: A): Promise<R> => {
        this.enter();
        let p: Promise<R>;
        try {
          p = f(...args);
        } catch (err) {
          this.leave();
          throw err;
        }
        return p.finally(() => this.leave());
      };
    return {
      constants: models.constants,
      encodeSdText: track(models.encodeSdText.bind(models)),
      encodeVae: track(models.encodeVae.bind(models)),
      unet: track(models.unet.bind(models)),
      encodeClipText: track(models.encodeClipText.bind(models)),
      encodeClipImage: track(models.encodeClipImage.bind(models)),
      encodeClipRegions: track(models.encodeClipRegions.bind(models)),
      encodeSamImage: track(models.encodeSamImage.bind(models)),
      decodeSamPoints: track(models.decodeSamPoints.bind(models)),
      callCounts: () => models.callCounts(),
      dispose: () => models.dispose(),
    };
  }

  private enter(): void {
    if (this.inFlight++ === 0) this.since = performance.now();
  }

  private leave(): void {
    if (--this.inFlight === 0) this.busy += performance.now() - this.since;
  }

  /** Busy seconds since the meter was made (calls in flight count up to now). */
  busySeconds(): number {
    return (this.busy + (this.inFlight > 0 ? performance.now() - this.since : 0)) / 1000;
  }

  /** Busy ÷ wall since the previous call of this method (the first: since the meter was made). */
  busyRatioSinceLastRead(): number {
    const now = performance.now();
    const busy = this.busySeconds() * 1000;
    const ratio = now > this.lastRead.at ? (busy - this.lastRead.busy) / (now - this.lastRead.at) : 0;
    this.lastRead = { at: now, busy };
    return Math.max(0, Math.min(1, ratio));
  }
}
