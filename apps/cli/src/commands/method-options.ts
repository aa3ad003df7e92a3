/**
 * The method's options as CLI flags of `refdiff segment` and `refdiff eval`: one flag per row of the shared option
 * table (docs/options.md), parsed only into numbers/strings here and checked by the validation the gateway and the
 * worker share (checkSegmentOptions), so bounds and messages are the same at every entry, with the flags named.
 */
import { InvalidArgumentError, type Command } from 'commander';
import {
  checkSegmentOptions,
  cliOptionFlag,
  OPTION_TABLE,
  OPTION_VALUES,
  PRESET_DEFAULTS,
  type PackLimits,
  type SegmentOptions,
} from '@refdiff/pipeline/options';

/** Flags the commands declare themselves (with their own help); the rest come from the table. */
const OWN = new Set(['preset', 'proposals', 'seed']);

type Kind = { kind: 'number' } | { kind: 'enum' } | { kind: 'group'; keys: string[] };

function kindOf(name: string): Kind {
  if (name in OPTION_VALUES) return { kind: 'enum' };
  const d = (PRESET_DEFAULTS.reference as unknown as Record<string, unknown>)[name];
  if (d !== null && typeof d === 'object') return { kind: 'group', keys: Object.keys(d) };
  return { kind: 'number' };
}

function parserFor(name: string, k: Kind): (value: string) => unknown {
  if (k.kind === 'enum') return (v) => v;
  // numbers as typed ('abc' → NaN): the shared check refuses them with the bounds in its message
  if (k.kind === 'number') return (v) => (v.trim() === '' ? Number.NaN : Number(v));
  return (v) => {
    const parts = v.split(',');
    if (parts.length !== k.keys.length) {
      throw new InvalidArgumentError(`${cliOptionFlag(name)} takes ${k.keys.length} comma-separated numbers (${k.keys.join(',')}), got ${JSON.stringify(v)}`);
    }
    return Object.fromEntries(k.keys.map((key, i) => [key, parts[i].trim() === '' ? Number.NaN : Number(parts[i])]));
  };
}

/** Adds one flag per method option (after the command's own --preset, --proposals, --seed). */
export function addMethodOptions(cmd: Command): Command {
  for (const row of OPTION_TABLE) {
    if (OWN.has(row.name)) continue;
    const k = kindOf(row.name);
    const arg = k.kind === 'group' ? k.keys.map((key) => key[0].toUpperCase()).join(',') : k.kind === 'enum' ? 'value' : 'n';
    const defaults = row.reference === row.paper ? `default ${row.reference}` : `reference ${row.reference}, paper ${row.paper}`;
    cmd.option(`${cliOptionFlag(row.name)} <${arg}>`, `${row.what}: ${row.bounds.replace(/\\\|/g, '|')} (${defaults})`, parserFor(row.name, k));
  }
  return cmd;
}

/** The method options among a command's parsed flags (absent flags stay absent). */
export function methodOptions(flags: Record<string, unknown>): SegmentOptions {
  const out: Record<string, unknown> = {};
  for (const row of OPTION_TABLE) if (flags[row.name] !== undefined) out[row.name] = flags[row.name];
  return out as SegmentOptions;
}

/**
 * The shared check with the issues named by flag (`--steps: …`); with the pack's limits once it is open.
 * @throws Error listing every bad flag
 */
export function checkMethodOptions(options: SegmentOptions, pack?: PackLimits | null): void {
  const { issues } = checkSegmentOptions(options, pack);
  if (issues.length > 0) {
    const err = new Error(`invalid options: ${issues.map((i) => `${cliOptionFlag(i.field)}: ${i.message}`).join('; ')}`);
    throw Object.assign(err, { code: 'INVALID_ARGUMENT' });
  }
}
