import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../tools/ensure-built.mjs', import.meta.url));
const root = mkdtempSync(join(tmpdir(), 'refdiff-web-stale-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function check(): string {
  return spawnSync(process.execPath, [script, '--check', '--root', root], { encoding: 'utf8' }).stdout.trim();
}

function touch(path: string, secondsAgo: number) {
  const t = new Date(Date.now() - secondsAgo * 1000);
  utimesSync(path, t, t);
}

describe('ensure-built (when npm start rebuilds the pages)', () => {
  it('calls the pages stale when missing or older than any source, fresh otherwise', () => {
    mkdirSync(join(root, 'src/pages'), { recursive: true });
    writeFileSync(join(root, 'src/pages/a.tsx'), 'a');
    writeFileSync(join(root, 'package.json'), '{}');
    touch(join(root, 'src/pages/a.tsx'), 100);
    touch(join(root, 'package.json'), 100);
    expect(check()).toBe('stale'); // never built

    mkdirSync(join(root, 'dist'));
    writeFileSync(join(root, 'dist/index.html'), '<!doctype html>');
    touch(join(root, 'dist/index.html'), 50);
    touch(join(root, 'src/pages'), 100);
    touch(join(root, 'src'), 100);
    expect(check()).toBe('fresh');

    touch(join(root, 'src/pages/a.tsx'), 10); // a source edited (or pulled) after the build
    expect(check()).toBe('stale');
  });
});
