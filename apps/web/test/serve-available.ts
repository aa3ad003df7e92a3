/**
 * Whether this checkout's `refdiff` has the `serve` command (issue 8, landing alongside these pages). Until it does,
 * the page tests that need a running gateway are skipped with this reason printed, rather than failing every run.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export function serveCommandMissing(): string | null {
  if (process.env.REFDIFF_WEB_E2E_URL) return null;
  const bin = fileURLToPath(new URL('../../../apps/cli/bin/refdiff.js', import.meta.url));
  const r = spawnSync(process.execPath, [bin, 'serve', '--help'], { encoding: 'utf8', timeout: 60_000 });
  if (r.status === 0) return null;
  return `\`refdiff serve\` is not available in this checkout (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n')[0]}`;
}
