import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cliVersion } from './version';

const run = promisify(execFile);
const bin = new URL('../bin/refdiff.js', import.meta.url).pathname;

describe('refdiff CLI shell', () => {
  it('prints help with the program name and exits 0', async () => {
    const { stdout } = await run(process.execPath, [bin, '--help']);
    expect(stdout).toContain('Usage: refdiff');
    expect(stdout).toContain('--version');
  });

  it('prints the package version', async () => {
    const { stdout } = await run(process.execPath, [bin, '--version']);
    expect(stdout.trim()).toBe(cliVersion());
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('rejects an unknown command with exit code 1 and a hint on stderr', async () => {
    const err = await run(process.execPath, [bin, 'no-such-command']).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 1 });
    expect((err as { stderr: string }).stderr).toContain('refdiff --help');
  });
});
