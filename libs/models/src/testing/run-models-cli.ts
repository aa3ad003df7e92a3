import { Command } from 'commander';
import { vi } from 'vitest';
import { registerModelsCommands } from '../cli';

/**
 * Runs `refdiff models …` in process, as the CLI would, and returns what it wrote to stdout. stderr (progress bars,
 * warnings) is swallowed unless `keepStderr` is set. Commander's exit is turned into a thrown error.
 */
export async function runModelsCli(args: string[], options: { keepStderr?: boolean } = {}): Promise<string> {
  const program = new Command('refdiff').exitOverride();
  registerModelsCommands(program);
  let out = '';
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  const stderr = options.keepStderr ? undefined : vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await program.parseAsync(['node', 'refdiff', ...args]);
  } finally {
    stdout.mockRestore();
    stderr?.mockRestore();
  }
  return out;
}
