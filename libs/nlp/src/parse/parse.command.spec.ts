import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseLine, runParse, type ParseLine } from './parse.command';

async function run(input: Readable | string, texts: string[] = []): Promise<{ code: number; lines: ParseLine[]; err: string }> {
  const stdin = typeof input === 'string' ? Readable.from([Buffer.from(input, 'utf8')]) : input;
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (b: Buffer) => out.push(b));
  stderr.on('data', (b: Buffer) => err.push(b));
  const code = await runParse({ texts, stdin, stdout, stderr });
  const text = Buffer.concat(out).toString('utf8');
  return { code, lines: text === '' ? [] : text.trimEnd().split('\n').map((l) => JSON.parse(l) as ParseLine), err: Buffer.concat(err).toString() };
}

describe('refdiff parse (in process)', () => {
  it('prints one object per stdin line, in order, with error objects for lines it cannot analyse', async () => {
    const { code, lines } = await run('the man on the left\n\nleft guy\r\n!!!\n' + 'x'.repeat(1001) + '\nlast line without newline');
    expect(code).toBe(0);
    expect(lines.map((l) => l.text.slice(0, 20))).toEqual([
      'the man on the left', '', 'left guy', '!!!', 'xxxxxxxxxxxxxxxxxxxx', 'last line without ne',
    ]);
    expect(lines[0]).toEqual({
      text: 'the man on the left',
      words: ['the', 'man', 'on', 'the', 'left'],
      root: { index: 1, word: 'man' },
      subject: { index: 1, word: 'man' },
      referent: { index: 1, word: 'man' },
      directions: [{ cue: 'left', index: 4, group: 0, ordinal: null, extreme: false }],
      error: null,
    });
    expect(lines[1].error?.code).toBe('EXPRESSION_EMPTY');
    expect(lines[2].root).toEqual({ index: 1, word: 'guy' });
    expect(lines[3].error?.code).toBe('EXPRESSION_EMPTY');
    expect(lines[4].error).toMatchObject({ code: 'EXPRESSION_TOO_LONG', message: expect.stringContaining('1001') });
    expect(lines[4].root).toBeNull();
  });

  it('analyses --text values instead of stdin', async () => {
    const { code, lines } = await run('ignored\n', ['second from left', '']);
    expect(code).toBe(0);
    expect(lines.map((l) => [l.root?.word ?? null, l.error?.code ?? null])).toEqual([
      ['second', null],
      [null, 'EXPRESSION_EMPTY'],
    ]);
    expect(lines[0].directions[0]).toMatchObject({ cue: 'left', ordinal: 2 });
  });

  it('exits 1 with a message when stdin fails, after printing the lines read so far', async () => {
    const stdin = new PassThrough();
    const done = run(stdin);
    stdin.write('left guy\n');
    setTimeout(() => stdin.destroy(new Error('EIO: i/o error, read')), 20);
    const { code, lines, err } = await done;
    expect(code).toBe(1);
    expect(lines.map((l) => l.text)).toEqual(['left guy']);
    expect(err).toBe('refdiff: cannot read standard input: EIO: i/o error, read\n');
  });

  it('parseLine never throws', () => {
    for (const text of ['', '\u0000', '😀', 'a'.repeat(5000), 'MAN']) expect(() => parseLine(text)).not.toThrow();
  });
});
