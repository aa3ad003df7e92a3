/**
 * `refdiff models …`: prepare a pack from public exports, inspect a pack. Registrars only declare commands;
 * actions import the heavy modules (onnxruntime) when they run.
 */
import type { Command } from 'commander';
import { basename } from 'node:path';
import { HubError } from './errors';
import { DEFAULT_REPOS } from './pull/export-files';

/** The `models` command group, created once; other registrars (make-fixture) add subcommands to it. */
export function modelsCommand(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'models') ??
    program.command('models').description('model packs: prepare one from public ONNX exports, inspect one, make the fixture pack')
  );
}

function multipleOf64(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 64 || n % 64 !== 0) throw new Error(`${name} must be a multiple of 64 (64, 128, … 512, 1024), got '${value}'`);
    return n;
  };
}

/** The pack options `prepare` and `pull` share (everything but where the exports are). */
interface PackCliOptions {
  out: string;
  name?: string;
  layers: string;
  kinds: string;
  link: string;
  imageSize?: number;
}

interface PrepareCliOptions extends PackCliOptions {
  sd: string;
  clip: string;
  sam: string;
  sdSource?: string;
  clipSource?: string;
  samSource?: string;
}

interface PullCliOptions extends PackCliOptions {
  sdRepo: string;
  sdRevision: string;
  clipRepo: string;
  clipRevision: string;
  samRepo: string;
  samRevision: string;
  cacheDir?: string;
  endpoint?: string;
  offline?: boolean;
  prepare: boolean;
}

function addPackOptions(command: Command, outRequired = true): Command {
  return (outRequired ? command.requiredOption('--out <dir>', 'new folder for the pack (must not exist or be empty)') : command.option('--out <dir>', 'new folder for the pack (must not exist or be empty)'))
    .option('--name <name>', 'pack name (default: the folder name)')
    .option('--layers <which>', "cross-attention layers to expose: 'all', 'level4' or comma-separated names", 'all')
    .option('--kinds <kinds>', 'readouts per layer: logits, probs or both', 'logits,probs')
    .option('--link <mode>', "'copy' files into the pack, or 'hardlink' / 'symlink' them (external weights are hard-linked)", 'copy')
    .option('--image-size <px>', 'side of the square SD input, a multiple of 64 (512 practical, 1024 faithful; small sizes for tiny test exports)', multipleOf64('--image-size'));
}

/** Validates the shared options before anything slow happens. */
function checkPackOptions(o: PackCliOptions): void {
  if (o.link !== 'copy' && o.link !== 'symlink' && o.link !== 'hardlink') throw new Error(`--link must be copy, hardlink or symlink, got '${o.link}'`);
  for (const k of o.kinds.split(',').map((x) => x.trim())) if (k !== 'logits' && k !== 'probs') throw new Error(`--kinds takes logits and/or probs, got '${k}'`);
}

async function runPrepare(o: PackCliOptions, dirs: { sd: string; clip: string; sam: string }, sources: Partial<Record<'sd' | 'clip' | 'sam', string>>): Promise<void> {
  const { preparePack } = await import('./prepare/prepare-pack');
  checkPackOptions(o);
  const kinds = o.kinds.split(',').map((k) => k.trim());
  const layers = o.layers === 'all' || o.layers === 'level4' ? o.layers : o.layers.split(',').map((l) => l.trim());
  const { manifestPath, manifest } = await preparePack({
    ...dirs,
    out: o.out,
    name: o.name ?? basename(o.out),
    attention: { layers, kinds: kinds as ('logits' | 'probs')[] },
    link: o.link as 'copy' | 'symlink' | 'hardlink',
    sources,
    constants: o.imageSize ? { sd: { imageSize: o.imageSize } } : undefined,
  });
  const readouts = manifest.models.unet.attention.map((a) => `${a.layer} (/${a.level}, ${a.layout})`);
  process.stdout.write(
    `prepared ${manifest.name}: ${manifest.files.length} files, ${readouts.length} cross-attention readouts\n` +
      `${readouts.map((r) => `  ${r}`).join('\n')}\nmanifest: ${manifestPath}\n`,
  );
}

export function registerModelsCommands(program: Command): void {
  const models = modelsCommand(program);

  addPackOptions(
    models
      .command('prepare')
      .description('turn public downloads (SD 1.5 diffusers/optimum ONNX, Xenova CLIP ViT-B/16, Xenova or Meta SAM) into a model pack')
      .requiredOption('--sd <dir>', 'Stable Diffusion 1.5 ONNX export (text_encoder/, vae_encoder/, unet/)')
      .requiredOption('--clip <dir>', 'CLIP ViT-B/16 export (tokenizer.json, onnx/text_model.onnx, onnx/vision_model.onnx)')
      .requiredOption('--sam <dir>', 'SAM export (onnx/vision_encoder.onnx + onnx/prompt_encoder_mask_decoder.onnx or a Meta decoder)'),
  )
    .option('--sd-source <label>', 'provenance label for the SD download, e.g. onnx-community/stable-diffusion-v1-5-ONNX')
    .option('--clip-source <label>', 'provenance label for the CLIP download')
    .option('--sam-source <label>', 'provenance label for the SAM download')
    .action(async (o: PrepareCliOptions) => {
      const sources = Object.fromEntries(
        ([['sd', o.sdSource], ['clip', o.clipSource], ['sam', o.samSource]] as const).filter(([, v]) => v),
      );
      await runPrepare(o, { sd: o.sd, clip: o.clip, sam: o.sam }, sources);
    });

  addPackOptions(
    models
      .command('pull')
      .description('download the exports from the Hugging Face hub (into its cache, resuming) and prepare a pack: from nothing to a pack in one command')
      .option('--sd-repo <org/name>', 'Stable Diffusion 1.5 ONNX repository', DEFAULT_REPOS.sd)
      .option('--sd-revision <rev>', 'branch, tag or commit of the SD repository', 'main')
      .option('--clip-repo <org/name>', 'CLIP ViT-B/16 repository', DEFAULT_REPOS.clip)
      .option('--clip-revision <rev>', 'branch, tag or commit of the CLIP repository', 'main')
      .option('--sam-repo <org/name>', 'SAM repository', DEFAULT_REPOS.sam)
      .option('--sam-revision <rev>', 'branch, tag or commit of the SAM repository', 'main')
      .option('--cache-dir <dir>', 'the Hugging Face cache (default: HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub)')
      .option('--endpoint <url>', 'the hub (default: HF_ENDPOINT, else https://huggingface.co)')
      .option('--offline', 'use only the cache, never the network (also HF_HUB_OFFLINE=1)')
      .option('--no-prepare', 'only download; print the snapshot folders for `models prepare`'),
    false,
  ).action(async (o: PullCliOptions) => {
    if (o.prepare && !o.out) throw new Error("required option '--out <dir>' not specified (or pass --no-prepare to only download)");
    if (o.prepare) {
      checkPackOptions(o);
      // prepare refuses a non-empty --out; say so before downloading gigabytes
      const { readdir } = await import('node:fs/promises');
      const entries = await readdir(o.out).catch(() => [] as string[]);
      if (entries.length > 0) throw new Error(`OUTPUT_EXISTS: ${o.out} exists and is not empty; choose a new folder for the pack (or remove it)`);
    }
    const { pullFromCli } = await import('./pull/pull-cli');
    const pulled = await pullFromCli({
      repos: { sd: { repo: o.sdRepo, revision: o.sdRevision }, clip: { repo: o.clipRepo, revision: o.clipRevision }, sam: { repo: o.samRepo, revision: o.samRevision } },
      cacheDir: o.cacheDir,
      endpoint: o.endpoint,
      offline: o.offline,
    }).catch((err: unknown) => {
      // the code (HUB_UNAUTHORIZED, …) is what docs/models.md lists
      throw err instanceof HubError ? new Error(`${err.code}: ${err.message}`, { cause: err }) : err;
    });
    if (!o.prepare) return;
    const { sd, clip, sam } = pulled.repos;
    process.stdout.write(`preparing ${o.out} from these snapshots…\n`);
    await runPrepare(o, { sd: sd.dir, clip: clip.dir, sam: sam.dir }, { sd: `${sd.repo}@${sd.commit}`, clip: `${clip.repo}@${clip.commit}`, sam: `${sam.repo}@${sam.commit}` });
  });

  models
    .command('make-fixture')
    .description('generate the tiny fixture pack that understands the synthetic world (docs/synthetic-world.md); reproducible byte for byte')
    .requiredOption('--out <dir>', 'new folder for the pack (must not exist or be empty)')
    .option('--layout <layout>', "UNet attention layout of the fixture export: 'bh-hw-t' ([B·heads, HW, 77]) or 'b-h-hw-t' ([B, heads, HW, 77])", 'bh-hw-t')
    .option('--name <name>', 'pack name', 'refdiff-fixture')
    .action(async (o: { out: string; layout: string; name: string }) => {
      if (o.layout !== 'bh-hw-t' && o.layout !== 'b-h-hw-t') throw new Error(`--layout must be bh-hw-t or b-h-hw-t, got '${o.layout}'`);
      const { makeFixturePack } = await import('./fixture/make-fixture-pack');
      const { manifestPath, manifest } = await makeFixturePack(o.out, { attentionLayout: o.layout, name: o.name });
      const bytes = manifest.files.reduce((n, f) => n + f.bytes, 0);
      process.stdout.write(
        `made fixture pack ${manifest.name}: ${manifest.files.length} files, ${(bytes / 1024).toFixed(0)} KiB, ` +
          `${manifest.models.unet.attention.length} cross-attention readouts (${o.layout})\n` +
          `it only understands the synthetic world (coloured shapes on grey, docs/synthetic-world.md)\nmanifest: ${manifestPath}\n`,
      );
    });

  models
    .command('inspect')
    .description('print a pack\'s contract and check every file against its manifest')
    .argument('<pack>', 'model pack folder')
    .option('--quick', 'check sizes only, not sha256 checksums')
    .option('--no-sessions', 'do not load the graphs with onnxruntime')
    .option('--json', 'print the manifest and the problems as JSON')
    .action(async (pack: string, o: { quick?: boolean; sessions: boolean; json?: boolean }) => {
      const { inspectPack, formatInspection } = await import('./inspect/inspect-pack');
      const inspection = await inspectPack(pack, { verify: o.quick ? 'size' : 'sha256', sessions: o.sessions });
      process.stdout.write(
        o.json
          ? `${JSON.stringify({ manifest: inspection.manifest, manifestSha256: inspection.manifestSha256, problems: inspection.problems, derived: inspection.derived }, null, 2)}\n`
          : formatInspection(pack, inspection),
      );
      if (inspection.problems.length) {
        throw new Error(`model pack ${pack} has ${inspection.problems.length} problem(s); see above`);
      }
    });
}
