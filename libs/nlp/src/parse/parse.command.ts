/**
 * `refdiff parse`: one JSON object per input line, in order. A line that cannot be analysed (empty, too long,
 * no letters or digits) gets an `error` object and the run goes on; the exit code is 0 unless stdin fails.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { analyze } from '../analyze/analyze';
import type { DirectionCue } from '../analyze/directions';
import { NlpError } from '../errors/nlp.errors';

export interface ParseLine {
  text: string;
  words: string[];
  root: { index: number; word: string } | null;
  subject: { index: number; word: string } | null;
  referent: { index: number; word: string } | null;
  directions: Omit<DirectionCue, 'word'>[];
  error: { code: string; message: string } | null;
}

/** The JSON object `refdiff parse` prints for one line. Never throws for a string input. */
export function parseLine(text: string): ParseLine {
  try {
    const a = analyze(text);
    return {
      text,
      words: a.words.map((w) => w.text),
      root: a.root,
      subject: a.subject,
      referent: a.referent,
      directions: a.directions.map(({ cue, index, group, ordinal, extreme }) => ({ cue, index, group, ordinal, extreme })),
      error: null,
    };
  } catch (err) {
    const code = err instanceof NlpError ? err.code : 'INTERNAL';
    const message = err instanceof Error ? err.message : String(err);
    return { text, words: [], root: null, subject: null, referent: null, directions: [], error: { code, message } };
  }
}

export interface ParseIo {
  texts: readonly string[];
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

/** Runs the command; returns the exit code. */
export async function runParse(io: ParseIo): Promise<number> {
  const out = new LineWriter(io.stdout);
  if (io.texts.length > 0) {
    for (const text of io.texts) await out.write(parseLine(text));
    return 0;
  }
  io.stdin.setEncoding('utf8');
  const lines = createInterface({ input: io.stdin, crlfDelay: Infinity, terminal: false });
  try {
    for await (const line of lines) {
      if (out.closed) break;
      await out.write(parseLine(line));
    }
  } catch (err) {
    io.stderr.write(`refdiff: cannot read standard input: ${(err as Error).message}\n`);
    return 1;
  }
  return 0;
}

/** Writes JSON lines with backpressure; a closed pipe (`| head`) ends the run quietly. */
class LineWriter {
  closed = false;
  private readonly stream: Writable;

  constructor(stream: Writable) {
    this.stream = stream;
    stream.on('error', () => {
      this.closed = true;
    });
  }

  async write(line: ParseLine): Promise<void> {
    if (this.closed) return;
    if (!this.stream.write(`${JSON.stringify(line)}\n`)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.stream.off('drain', done);
          this.stream.off('error', done);
          resolve();
        };
        this.stream.on('drain', done);
        this.stream.on('error', done);
      });
    }
  }
}
