import { Command, CommanderError } from 'commander';
import { commandRegistrars } from './registrars';
import { cliVersion } from './version';

/** Builds the `refdiff` program: the shell plus every command the apps and libraries register. */
export function buildProgram(): Command {
  const program = new Command('refdiff')
    .description('Zero-shot referring image segmentation (Ref-Diff): segment the object a phrase describes.')
    .version(cliVersion(), '-V, --version', 'print the refdiff version')
    .showHelpAfterError('(run `refdiff --help` for usage)')
    .configureHelp({ sortSubcommands: true })
    .exitOverride();
  for (const register of commandRegistrars) register(program);
  return program;
}

/** Runs the CLI and returns the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      return err.exitCode;
    }
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`refdiff: ${message}\n`);
    return 1;
  }
}
