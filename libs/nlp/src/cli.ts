import type { Command } from 'commander';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** Registers `refdiff parse`. The analyser loads inside the action so `refdiff --help` stays fast. */
export function registerNlpCommands(program: Command): void {
  program
    .command('parse')
    .description(
      'analyse referring expressions (one per stdin line, or --text): root word, subject and direction cues, ' +
        'printed as one JSON object per line',
    )
    .option('-t, --text <expression>', 'analyse this expression instead of reading stdin (repeatable)', collect, [])
    .action(async (options: { text: string[] }) => {
      const { runParse } = await import('./parse/parse.command');
      process.exitCode = await runParse({
        texts: options.text,
        stdin: process.stdin,
        stdout: process.stdout,
        stderr: process.stderr,
      });
    });
}
