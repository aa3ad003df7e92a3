import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerPipelineCommands } from './cli';

function program(): Command {
  const p = new Command('refdiff').exitOverride();
  p.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  return p;
}

describe('refdiff bench pipeline (registrar)', () => {
  it('declares bench pipeline with --json, --size and --runs, reusing an existing bench command', () => {
    const p = program();
    const existing = p.command('bench');
    registerPipelineCommands(p);
    expect(p.commands.filter((c) => c.name() === 'bench')).toHaveLength(1);
    const cmd = existing.commands.find((c) => c.name() === 'pipeline');
    expect(cmd?.options.map((o) => o.long)).toEqual(['--json', '--size', '--runs']);
  });

  it('rejects a bad --size or --runs before loading the bench, naming the value', async () => {
    const p = program();
    registerPipelineCommands(p);
    await expect(p.parseAsync(['bench', 'pipeline', '--size', '3'], { from: 'user' })).rejects.toThrow(/--size .* got '3'/);
    await expect(p.parseAsync(['bench', 'pipeline', '--runs', 'x'], { from: 'user' })).rejects.toThrow(/--runs .* got 'x'/);
  });
});
