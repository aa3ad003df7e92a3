import type {
  CallOptions,
  ClipImageSize,
  ClipRegionOptions,
  ModelPackConstants,
  RefDiffModels,
  SamDecodeResult,
  SamImageEmbedding,
  UnetCall,
  UnetResult,
} from '../ports/ref-diff-models';
import { PipelineError } from '../errors/pipeline.errors';

/**
 * The replay runtime, for measurement only (benchmarks; never a serving path). Record a pack's model outputs once
 * through `recordModels`, then `replayModels` answers the same calls from the recording, each held for a GPU-like
 * latency on one `SimulatedDevice` shared by every call — as one GPU serves every request of a worker. The
 * pipeline's CPU work then runs on real tensors while the models cost nothing but simulated time.
 *
 * Calls are matched by a fingerprint of their inputs (role, sizes, every id / mask byte, a strided sample of float
 * tensors): cheap enough not to disturb CPU measurements, exact enough for the pipeline's deterministic calls.
 * Replayed outputs are the recorded arrays themselves (the pipeline never writes into model outputs). The SAM
 * decoder's outputs are recorded into SharedArrayBuffers: a worker-thread post-processor can then read them without
 * a copy, and a replayed array is never detached by a transfer (SamPostSession.addBatch may transfer what it gets).
 */

/** A copy of `a` in a SharedArrayBuffer. */
function shared(a: Float32Array): Float32Array {
  const out = new Float32Array(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

/** What one model call asks of the device, for the latency profile. */
export interface DeviceCall {
  readonly role: 'sdText' | 'vae' | 'unet' | 'clipText' | 'clipImage' | 'clipRegions' | 'samEncoder' | 'samDecoder';
  /** batch (prompts, samples, images, regions or points) */
  readonly batch: number;
  /** image side the call works at, when it has one */
  readonly size?: number;
}

export interface DeviceProfile {
  readonly name: string;
  /** simulated milliseconds the call holds the device */
  latencyMs(call: DeviceCall): number;
  /** where the figures come from */
  readonly source: string;
}

/**
 * One NVIDIA A100 (fp16), from published figures: SAM ViT-H image encoder ~150 ms at 1024² (the SAM paper, §7 and
 * the segment-anything README: "~0.15 s on an A100"); the SAM prompt decoder ~a few ms (the paper: "~50 ms in a
 * browser" on CPU; batched 64 points on a GPU are a few ms); SD 1.5 UNet ~25 ms per call of batch 2 at 512² (the
 * ~20 it/s of diffusers' A100 fp16 benchmarks at batch 1 with CFG), scaled with pixels and batch; VAE encoder
 * ~15 ms at 512²; CLIP ViT-B/16 ~3 ms an image, text encoders ~2–3 ms a call. Estimates, documented in
 * docs/performance.md; `--simulate` takes only this profile today.
 */
export const A100_PROFILE: DeviceProfile = Object.freeze({
  name: 'a100',
  source: 'published A100 figures (SAM ViT-H ~150 ms; SD 1.5 UNet ~25 ms per CFG pair at 512²; CLIP ~3 ms an image), docs/performance.md',
  latencyMs(call: DeviceCall): number {
    const px = (call.size ?? 512) ** 2 / 512 ** 2;
    switch (call.role) {
      case 'samEncoder':
        return 150;
      case 'samDecoder':
        return 2 + 0.08 * call.batch;
      case 'unet':
        return 25 * px * Math.max(1, call.batch / 2);
      case 'vae':
        return 15 * px;
      case 'sdText':
        return 3;
      case 'clipText':
        return 2;
      case 'clipImage':
        return 3 * call.batch * Math.max(1, ((call.size ?? 224) / 224) ** 2);
      case 'clipRegions':
        return 3 + 0.5 * call.batch;
    }
  },
});

export const DEVICE_PROFILES: Readonly<Record<string, DeviceProfile>> = Object.freeze({ a100: A100_PROFILE });

/**
 * One device serving calls one at a time in arrival order. A call waits for the device to be free, holds it for its
 * latency, and resolves when that simulated time has passed. The device runs on the clock, not on the event loop:
 * a call finishes on time even if the CPU is busy when it does (its continuation runs when the CPU is free).
 */
export class SimulatedDevice {
  private freeAt = 0;
  /** [start, end] of every call, in order (contiguous or later: one queue) */
  private readonly intervals: number[] = [];
  private windowStart = performance.now();
  readonly calls: Record<string, number> = {};

  constructor(readonly profile: DeviceProfile) {}

  run(call: DeviceCall, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(new PipelineError('ABORTED', 'aborted before the device call'));
    const ms = this.profile.latencyMs(call);
    const now = performance.now();
    const start = Math.max(now, this.freeAt);
    const end = start + ms;
    this.freeAt = end;
    this.intervals.push(start, end);
    this.calls[call.role] = (this.calls[call.role] ?? 0) + 1;
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, end - performance.now())));
  }

  /** Simulated busy milliseconds in [from, to]. */
  busyMs(from = 0, to = Infinity): number {
    let busy = 0;
    const iv = this.intervals;
    for (let i = iv.length - 2; i >= 0; i -= 2) {
      if (iv[i + 1] <= from) break;
      busy += Math.max(0, Math.min(iv[i + 1], to) - Math.max(iv[i], from));
    }
    return busy;
  }

  /** Starts a measurement window. */
  startWindow(): void {
    this.windowStart = performance.now();
  }

  /** Busy time ÷ wall time since startWindow (work still queued beyond now is not counted). */
  utilisation(): number {
    const now = performance.now();
    const wall = now - this.windowStart;
    return wall > 0 ? this.busyMs(this.windowStart, now) / wall : 0;
  }
}

/** A recording: the pack's constants and each call's outputs by input fingerprint. */
export interface ModelRecording {
  readonly constants: ModelPackConstants;
  readonly outputs: Map<string, unknown>;
}

function fnv(h: number, x: number): number {
  return Math.imul(h ^ x, 16777619) >>> 0;
}

/** Fingerprint of a typed array: its length, and every element up to 4,096 of them, else 4,096 strided ones. */
function fp(h: number, a: Float32Array | Int32Array | Uint8Array): number {
  h = fnv(h, a.length);
  const bits = a instanceof Float32Array ? new Int32Array(a.buffer, a.byteOffset, a.length) : a;
  if (a instanceof Float32Array && a.byteOffset % 4 !== 0) {
    const copy = new Float32Array(a);
    return fp(h, copy);
  }
  const step = Math.max(1, Math.floor(a.length / 4096));
  for (let i = 0; i < a.length; i += step) h = fnv(h, bits[i] | 0);
  return h;
}

/** a CLIP input size as a key part, and as the side of a square with as many pixels (for the latency profile) */
function sizeKey(size: ClipImageSize): string {
  return typeof size === 'number' ? `${size}` : `${size.width}x${size.height}`;
}
function equivalentSide(size: ClipImageSize): number {
  return typeof size === 'number' ? size : Math.sqrt(size.width * size.height);
}
function regionKey(o: ClipRegionOptions | undefined): string {
  return `${o?.width ?? ''}x${o?.height ?? ''}@${o?.layer ?? ''}`;
}

function key(role: string, parts: (number | string | Float32Array | Int32Array | Uint8Array)[]): string {
  let h = 2166136261;
  let h2 = 0x9e3779b9;
  for (const p of parts) {
    if (typeof p === 'number') h = fnv(h, Math.round(p * 1000));
    else if (typeof p === 'string') for (let i = 0; i < p.length; i++) h = fnv(h, p.charCodeAt(i));
    else {
      h = fp(h, p);
      h2 = fp(h2, p);
    }
  }
  return `${role}:${h.toString(16)}:${h2.toString(16)}`;
}

interface RecordedEmbedding extends SamImageEmbedding {
  readonly replayKey: string;
}

/**
 * Wraps a real RefDiffModels: every call goes through and its outputs are kept in `recording.outputs`. Use the
 * wrapper as the engine's models while recording.
 */
export function recordModels(inner: RefDiffModels): RefDiffModels & { readonly recording: ModelRecording } {
  const outputs = new Map<string, unknown>();
  const recording: ModelRecording = { constants: inner.constants, outputs };
  const embeddings = new WeakMap<SamImageEmbedding, string>();
  const keep = async <T>(k: string, f: () => Promise<T>): Promise<T> => {
    const v = await f();
    outputs.set(k, v);
    return v;
  };
  return {
    recording,
    constants: inner.constants,
    encodeSdText: (ids, batch, o) => keep(key('sdText', [ids, batch]), () => inner.encodeSdText(ids, batch, o)),
    encodeVae: (pixels, size, o) => keep(key('vae', [pixels, size]), () => inner.encodeVae(pixels, size, o)),
    unet: (call, o) => keep(unetKey(call), () => inner.unet(call, o)),
    encodeClipText: (ids, batch, o) => keep(key('clipText', [ids, batch]), () => inner.encodeClipText(ids, batch, o)),
    encodeClipImage: (pixels, batch, size, o) =>
      keep(key('clipImage', [pixels, batch, sizeKey(size)]), () => inner.encodeClipImage(pixels, batch, size, o)),
    encodeClipRegions: (pixels, masks, regions, o) =>
      keep(key('clipRegions', [pixels, masks, regions, regionKey(o)]), () => inner.encodeClipRegions(pixels, masks, regions, o)),
    async encodeSamImage(pixels, o) {
      const k = key('samEncoder', [pixels]);
      const e = await inner.encodeSamImage(pixels, o);
      embeddings.set(e, k);
      outputs.set(k, { byteSize: e.byteSize });
      return e;
    },
    decodeSamPoints(embedding, points, count, o) {
      const ek = embeddings.get(embedding) ?? 'unknown';
      return keep(key('samDecoder', [ek, points, count]), async () => {
        const r = await inner.decodeSamPoints(embedding, points, count, o);
        return { iouScores: shared(r.iouScores), lowResLogits: shared(r.lowResLogits), points: r.points };
      });
    },
    callCounts: () => inner.callCounts(),
    dispose: () => inner.dispose(),
  };
}

function unetKey(call: UnetCall): string {
  const a = call.attention;
  return key('unet', [call.sample, call.batch, call.timestep, call.encoderHiddenStates, a ? `${a.kind}|${a.layers.join(',')}` : '-']);
}

/**
 * Answers calls from a recording, each held on `device` for the profile's latency. A call the recording does not
 * hold throws INTERNAL (the replay must see the recorded workload).
 */
export function replayModels(recording: ModelRecording, device: SimulatedDevice): RefDiffModels {
  const counts: Record<string, number> = {};
  const answer = async <T>(k: string, call: DeviceCall, o?: CallOptions): Promise<T> => {
    counts[call.role] = (counts[call.role] ?? 0) + 1;
    if (!recording.outputs.has(k)) {
      throw new PipelineError('INTERNAL', `replay: no recorded ${call.role} call with these inputs (${k}); record this workload first`);
    }
    await device.run(call, o?.signal);
    return recording.outputs.get(k) as T;
  };
  const c = recording.constants;
  return {
    constants: c,
    encodeSdText: (ids, batch, o) => answer(key('sdText', [ids, batch]), { role: 'sdText', batch }, o),
    encodeVae: (pixels, size, o) => answer(key('vae', [pixels, size]), { role: 'vae', batch: 1, size }, o),
    unet: (call, o) => answer<UnetResult>(unetKey(call), { role: 'unet', batch: call.batch, size: c.sd.imageSize }, o),
    encodeClipText: (ids, batch, o) => answer(key('clipText', [ids, batch]), { role: 'clipText', batch }, o),
    encodeClipImage: (pixels, batch, size, o) =>
      answer(key('clipImage', [pixels, batch, sizeKey(size)]), { role: 'clipImage', batch, size: equivalentSide(size) }, o),
    encodeClipRegions: (pixels, masks, regions, o) =>
      answer(key('clipRegions', [pixels, masks, regions, regionKey(o)]), { role: 'clipRegions', batch: regions }, o),
    async encodeSamImage(pixels, o) {
      const k = key('samEncoder', [pixels]);
      const e = await answer<{ byteSize: number }>(k, { role: 'samEncoder', batch: 1, size: c.sam.inputSize }, o);
      const embedding: RecordedEmbedding = { byteSize: e.byteSize, replayKey: k };
      return embedding;
    },
    decodeSamPoints(embedding, points, count, o) {
      // the recording is answered as it is, shared (lowResLogitsInto ignored, as the port allows): writing 50 MB a
      // batch into the lent buffer would cost this CPU a copy the device's transfer to the host does instead
      const ek = (embedding as Partial<RecordedEmbedding>).replayKey ?? 'unknown';
      return answer<SamDecodeResult>(key('samDecoder', [ek, points, count]), { role: 'samDecoder', batch: count }, o);
    },
    callCounts: () => ({ ...counts }),
    dispose: () => Promise.resolve(),
  };
}
