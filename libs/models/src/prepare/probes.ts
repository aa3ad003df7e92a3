/**
 * What the graphs cannot say statically, learnt by running them once on tiny inputs: the layout, head count,
 * context length and level of every cross-attention readout; the rank and token count of CLIP's self-attention.
 * Real exports carry few intermediate shapes, so this asks onnxruntime instead of guessing from node patterns.
 */
import { ModelPackError } from '../errors';
import type { SoftmaxSite } from '../onnx/graph-analysis';
import type { HostTensor, ModelRuntime, TensorDType, TensorSpec } from '../runtime/runtime.types';
import { zeros } from '../runtime/tensors';
import type { AttentionPeak } from '../manifest/manifest.schema';
import { attentionPeakOf, runSoftmaxProbe, type SoftmaxRun } from './memory-probe';

export interface ProbedReadout {
  readonly site: SoftmaxSite;
  readonly layout: 'bh-hw-t' | 'b-h-hw-t';
  readonly heads: number;
  readonly level: 1 | 2 | 4 | 8;
  readonly dtype: TensorDType;
}

function dimOr(spec: TensorSpec | undefined, i: number, fallback: number): number {
  const d = spec?.shape[i];
  return typeof d === 'number' ? d : fallback;
}

/** Dummy UNet feeds: batch 1 (or the fixed batch), latent side 8 (or the fixed size), timestep of the graph's dtype. */
export function unetProbeFeeds(inputs: readonly TensorSpec[], textHidden: number): { feeds: Record<string, HostTensor>; latentH: number; latentW: number; batch: number } {
  const by = new Map(inputs.map((i) => [i.name, i]));
  const sample = by.get('sample');
  const ts = by.get('timestep');
  const ehs = by.get('encoder_hidden_states');
  if (!sample || !ts || !ehs) {
    throw new ModelPackError(
      'EXPORT_UNSUPPORTED',
      `UNet: expected inputs sample, timestep, encoder_hidden_states; the graph has ${inputs.map((i) => i.name).join(', ')}`,
    );
  }
  const batch = dimOr(sample, 0, 1);
  const c = dimOr(sample, 1, 4);
  const h = dimOr(sample, 2, 8);
  const w = dimOr(sample, 3, 8);
  const tsDims = ts.shape.length === 0 ? [] : [dimOr(ts, 0, batch)];
  const feeds: Record<string, HostTensor> = {
    sample: zeros('float32', [batch, c, h, w]),
    timestep: zeros(ts.dtype, tsDims),
    encoder_hidden_states: zeros(ehs.dtype, [batch, dimOr(ehs, 1, 77), dimOr(ehs, 2, textHidden)]),
  };
  return { feeds, latentH: h, latentW: w, batch };
}

export function classifyReadout(
  site: SoftmaxSite,
  dims: readonly number[],
  dtype: TensorDType,
  probe: { latentH: number; latentW: number; batch: number },
  contextLength: number,
): ProbedReadout {
  const where = `UNet cross-attention ${site.node}`;
  if (dims[dims.length - 1] !== contextLength) {
    throw new ModelPackError(
      'EXPORT_UNSUPPORTED',
      `${where}: last dim is ${dims[dims.length - 1]}, expected the text context length ${contextLength} ([B·heads, HW, ${contextLength}] or [B, heads, HW, ${contextLength}])`,
    );
  }
  let layout: ProbedReadout['layout'];
  let heads: number;
  if (dims.length === 3) {
    layout = 'bh-hw-t';
    heads = dims[0] / probe.batch;
  } else if (dims.length === 4) {
    layout = 'b-h-hw-t';
    heads = dims[1];
  } else {
    throw new ModelPackError('EXPORT_UNSUPPORTED', `${where}: output has dims [${dims.join(', ')}]; expected rank 3 or 4`);
  }
  const hw = dims[dims.length - 2];
  const ratio = Math.sqrt((probe.latentH * probe.latentW) / hw);
  const level = [1, 2, 4, 8].find((l) => Math.abs(l - ratio) < 1e-6) as ProbedReadout['level'] | undefined;
  if (!level || !Number.isInteger(heads)) {
    throw new ModelPackError(
      'EXPORT_UNSUPPORTED',
      `${where}: dims [${dims.join(', ')}] at latent ${probe.latentH}×${probe.latentW} give no level in 1, 2, 4, 8`,
    );
  }
  return { site, layout, heads, level, dtype };
}

export async function probeUnet(
  runtime: ModelRuntime,
  path: string,
  sites: readonly SoftmaxSite[],
  readoutNames: ReadonlyMap<string, string>,
  textHidden: number,
  contextLength: number,
  /** every Softmax output of the probe graph (node → output), to measure attention growth for the memory preflight */
  softmaxOutputs?: ReadonlyMap<string, string>,
): Promise<{ readouts: ProbedReadout[]; inputs: readonly TensorSpec[]; outputs: readonly TensorSpec[]; attentionPeak?: AttentionPeak }> {
  const session = await runtime.load(path, 'unet (probe)');
  try {
    const probe = unetProbeFeeds(session.inputs, textHidden);
    const names = sites.map((s) => readoutNames.get(s.node) as string);
    const out = await session.run(probe.feeds, names);
    const readouts = sites.map((s, i) => classifyReadout(s, out[names[i]].dims, out[names[i]].dtype, probe, contextLength));
    let attentionPeak: AttentionPeak | undefined;
    if (softmaxOutputs) {
      const first = await runSoftmaxProbe(session, softmaxOutputs, probe.feeds, probe.latentW, probe.batch);
      const sample = session.inputs.find((i) => i.name === 'sample');
      const free = typeof sample?.shape[2] !== 'number' && typeof sample?.shape[3] !== 'number';
      let second: SoftmaxRun | undefined;
      if (free) {
        const side = 2 * probe.latentW;
        const feeds = { ...probe.feeds, sample: zeros('float32', [probe.batch, probe.feeds.sample.dims[1], side, side]) };
        second = await runSoftmaxProbe(session, softmaxOutputs, feeds, side, probe.batch);
      }
      attentionPeak = attentionPeakOf(first, second);
    }
    return { readouts, inputs: session.inputs, outputs: session.outputs, attentionPeak };
  } finally {
    await session.dispose();
  }
}

export interface ClipAttentionProbe {
  readonly logitsRank: 3 | 4;
  readonly dtype: TensorDType;
  readonly heads: number;
  readonly tokens: number;
  readonly imageSize: number;
  /** the graph also runs at another size (interpolated position embedding); symbolic dims alone do not prove it */
  readonly dynamicImageSize: boolean;
}

/** Runs a copy of the vision graph that also returns the first self-attention logits. */
export async function probeClipVision(runtime: ModelRuntime, probePath: string, logitsOutput: string, defaultSize: number): Promise<ClipAttentionProbe> {
  const session = await runtime.load(probePath, 'clip vision (probe)');
  try {
    const px = session.inputs.find((i) => i.name === 'pixel_values');
    if (!px || px.shape.length !== 4) {
      throw new ModelPackError('EXPORT_UNSUPPORTED', `CLIP vision model: expected input pixel_values [B, 3, S, S]; it has ${session.inputs.map((i) => i.name).join(', ')}`);
    }
    const size = dimOr(px, 2, defaultSize);
    const out = await session.run({ pixel_values: zeros(px.dtype, [dimOr(px, 0, 1), 3, size, dimOr(px, 3, size)]) }, [logitsOutput]).catch((err: Error) => {
      throw new ModelPackError(
        'EXPORT_UNSUPPORTED',
        `CLIP vision model: it does not run at ${size}×${size} (${err.message.split('\n')[0]}); its input size is not fixed in the graph, so give the size it was exported for (constants.clip.imageSize)`,
        { cause: err },
      );
    });
    const dims = out[logitsOutput].dims;
    const dtype = out[logitsOutput].dtype;
    const batch = dimOr(px, 0, 1);
    let found: Omit<ClipAttentionProbe, 'dynamicImageSize'>;
    if (dims.length === 4 && dims[2] === dims[3]) found = { logitsRank: 4, dtype, heads: dims[1], tokens: dims[3], imageSize: size };
    else if (dims.length === 3 && dims[1] === dims[2]) found = { logitsRank: 3, dtype, heads: dims[0] / batch, tokens: dims[2], imageSize: size };
    else throw new ModelPackError('EXPORT_UNSUPPORTED', `CLIP vision self-attention logits have dims [${dims.join(', ')}]; expected [B, heads, T, T] or [B·heads, T, T]`);
    let dynamicImageSize = false;
    if (typeof px.shape[2] !== 'number' && typeof px.shape[3] !== 'number') {
      const other = size + 2 * (size / Math.sqrt(found.tokens - 1));
      dynamicImageSize = await session
        .run({ pixel_values: zeros(px.dtype, [batch, 3, other, other]) }, [logitsOutput])
        .then(() => true)
        .catch(() => false);
    }
    return { ...found, dynamicImageSize };
  } finally {
    await session.dispose();
  }
}
