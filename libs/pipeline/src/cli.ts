import type { Command } from 'commander';

/**
 * `refdiff bench pipeline`: timings of the model-free core. Declares options only; the bench module loads in the
 * action. `bench` is shared: another registrar may have created it already.
 */
export function registerPipelineCommands(program: Command): void {
  const bench =
    program.commands.find((c) => c.name() === 'bench') ??
    program.command('bench').description('benchmarks of the refdiff components (medians, milliseconds)');
  bench
    .command('pipeline')
    .description(
      'time the model-free pipeline: weight-free proposals, SAM stability + NMS (1,024 points × 3), logit upscaling, RLE encoding, positional bias',
    )
    .option('--json', 'print one JSON object')
    .option('--size <pixels>', 'side of the square image and maps', '1024')
    .option('--runs <n>', 'repetitions per figure (median reported)', '20')
    .action(async (options: { json?: boolean; size: string; runs: string }) => {
      const size = Number(options.size);
      const runs = Number(options.runs);
      if (!Number.isInteger(size) || size < 16 || size > 8192) throw new Error(`--size must be an integer in [16, 8192], got '${options.size}'`);
      if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got '${options.runs}'`);
      const { runPipelineBench } = await import('./bench/pipeline-bench');
      const result = await runPipelineBench({ size, runs });
      if (options.json) {
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      process.stdout.write(`pipeline bench at ${size}×${size}, median of ${runs} runs (wall ms, cpu ms; cpu min ms)\n`);
      for (const [k, v] of Object.entries(result.cpuMs)) {
        const wall = (result as unknown as Record<string, number>)[k];
        const min = result.cpuMinMs[k];
        process.stdout.write(`  ${k.padEnd(24)} ${String(wall).padStart(10)} ${String(v).padStart(10)} ${String(min).padStart(10)}\n`);
      }
      const a = result.amg;
      process.stdout.write(
        `  SAM masks: ${a.decoded} decoded → ${a.passedIou} pass IoU → ${a.passedStability} pass stability → ${a.kept} after NMS\n`,
      );
      if (result.weightFreeSpeedup !== null) {
        process.stdout.write(`  weight-free vs NumPy (same run, CPU): ${result.numpyWeightFreeCpuMs} ms / ${result.cpuMs.weightFreeProposalsMs} ms = ${result.weightFreeSpeedup}×\n`);
      }
    });
}
