/**
 * The evaluation dataset format (docs/datasets.md): a folder `DIR` with `DIR/index.jsonl`, one JSON object per line
 *   {"id": "...", "image": "rel/path.png", "expression": "...", "mask": "rel/path.png"}
 * `image` and `mask` are paths relative to DIR (forward slashes); a mask pixel that is nonzero is the object.
 * Extra fields are kept in `extra` and written back unchanged (e.g. `split`, `refId`, `annId`, `form`).
 * Pure parsing and validation here; reading files is the caller's (the CLI's) job.
 */

export interface DatasetSample {
  readonly id: string;
  readonly image: string;
  readonly expression: string;
  readonly mask: string;
  readonly extra?: Readonly<Record<string, unknown>>;
}

export interface DatasetLineError {
  /** 1-based line number in index.jsonl */
  readonly line: number;
  readonly message: string;
}

export interface ParsedDatasetIndex {
  readonly samples: DatasetSample[];
  readonly errors: DatasetLineError[];
}

const KNOWN = new Set(['id', 'image', 'expression', 'mask']);

/** Why a relative path is not acceptable, or null. Paths may go up (`../coco/…`) but must be relative. */
export function relativePathProblem(p: string): string | null {
  if (p.length === 0) return 'is empty';
  if (p.includes('\0')) return 'contains a NUL character';
  if (p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\')) return 'must be relative to the dataset folder';
  return null;
}

/** Validates one decoded line; returns the sample or a message naming the offending field. */
export function validateDatasetSample(value: unknown): DatasetSample | string {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'line is not a JSON object';
  const o = { ...(value as Record<string, unknown>) };
  // ids written as numbers by other tools are accepted as their decimal string
  if (typeof o.id === 'number' && Number.isFinite(o.id)) o.id = String(o.id);
  for (const key of ['id', 'image', 'expression', 'mask'] as const) {
    if (typeof o[key] !== 'string') return `field "${key}" must be a string, got ${o[key] === undefined ? 'nothing' : JSON.stringify(o[key])}`;
  }
  const id = (o.id as string).trim();
  if (id.length === 0) return 'field "id" is empty';
  const expression = o.expression as string;
  if (expression.trim().length === 0) return `field "expression" is empty (id ${id})`;
  for (const key of ['image', 'mask'] as const) {
    const problem = relativePathProblem(o[key] as string);
    if (problem) return `field "${key}" ${problem} (id ${id})`;
  }
  const extra: Record<string, unknown> = {};
  let hasExtra = false;
  for (const [k, v] of Object.entries(o)) {
    if (!KNOWN.has(k)) {
      extra[k] = v;
      hasExtra = true;
    }
  }
  return { id, image: o.image as string, expression, mask: o.mask as string, ...(hasExtra ? { extra } : {}) };
}

/** Parses index.jsonl text. Blank lines are skipped; bad lines and duplicate ids are reported, not thrown. */
export function parseDatasetIndex(text: string): ParsedDatasetIndex {
  const samples: DatasetSample[] = [];
  const errors: DatasetLineError[] = [];
  const seen = new Set<string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (raw.length === 0) continue;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      errors.push({ line: i + 1, message: `invalid JSON: ${(err as Error).message}` });
      continue;
    }
    const sample = validateDatasetSample(value);
    if (typeof sample === 'string') {
      errors.push({ line: i + 1, message: sample });
      continue;
    }
    if (seen.has(sample.id)) {
      errors.push({ line: i + 1, message: `duplicate id ${JSON.stringify(sample.id)}` });
      continue;
    }
    seen.add(sample.id);
    samples.push(sample);
  }
  return { samples, errors };
}

/** One line of index.jsonl (no trailing newline), fields in the documented order, extras after. */
export function formatDatasetSample(sample: DatasetSample): string {
  return JSON.stringify({
    id: sample.id,
    image: sample.image,
    expression: sample.expression,
    mask: sample.mask,
    ...(sample.extra ?? {}),
  });
}

export function formatDatasetIndex(samples: readonly DatasetSample[]): string {
  return samples.map((s) => formatDatasetSample(s) + '\n').join('');
}
