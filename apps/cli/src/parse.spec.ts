import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

const bin = new URL('../bin/refdiff.js', import.meta.url).pathname;

/** Runs the real `refdiff` bin with the given stdin; resolves with exit code and output. */
function refdiff(args: string[], stdin: string | null): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (stdin !== null) child.stdin.end(stdin);
    else child.stdin.end();
  });
}

describe('refdiff parse', () => {
  it('prints one JSON object per stdin line, errors per line, and exits 0', async () => {
    const { code, stdout, stderr } = await refdiff(['parse'], 'the man in the red shirt on the left\n\nGuy standing on rt\n');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({
      text: 'the man in the red shirt on the left',
      root: { index: 1, word: 'man' },
      subject: { index: 1, word: 'man' },
      directions: [{ cue: 'left', index: 8 }],
      error: null,
    });
    expect(lines[1]).toMatchObject({ text: '', error: { code: 'EXPRESSION_EMPTY' } });
    expect(lines[2]).toMatchObject({ root: { index: 0, word: 'guy' }, directions: [{ cue: 'right', index: 3 }] });
  });

  it('analyses repeated --text options without reading stdin', async () => {
    const { code, stdout } = await refdiff(['parse', '--text', 'left guy', '-t', 'a man runs behind a girl'], null);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.root.word, l.subject.word])).toEqual([
      ['guy', 'guy'],
      ['runs', 'man'],
    ]);
  });

  it('is listed in the help', async () => {
    const { stdout } = await refdiff(['--help'], null);
    expect(stdout).toMatch(/parse \[options\]/);
  });
});
