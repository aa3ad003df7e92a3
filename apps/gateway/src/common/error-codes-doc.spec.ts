import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { APOLLO_CODES } from '../graphql/format-error';
import { ERROR_CODES, HTTP_STATUS } from './gateway.errors';

const doc = readFileSync(new URL('../../../../docs/gateway.md', import.meta.url), 'utf8');

/** The rows of docs/gateway.md's error-code table: code, HTTP status, example response. */
function documentedCodes(): { code: string; status: number; example: string }[] {
  const table = doc.split('<!-- error-codes:start -->')[1]?.split('<!-- error-codes:end -->')[0] ?? '';
  return table
    .split('\n')
    .filter((line) => /^\| `[A-Z_]+` \|/.test(line))
    .map((line) => {
      const cells = line.split(' | ');
      return { code: cells[0].replace(/^\| `|`$/g, ''), status: Number(cells[1]), example: line.slice(line.lastIndexOf(' | ') + 3) };
    });
}

describe('docs/gateway.md error-code table', () => {
  const rows = documentedCodes();

  it('lists every code a client can receive, once: the gateway enum and the Apollo codes passed through', () => {
    const expected = [...new Set([...ERROR_CODES, ...APOLLO_CODES])].sort();
    expect(rows.map((r) => r.code).sort()).toEqual(expected);
  });

  it("gives each gateway code the HTTP status the code maps it to", () => {
    for (const code of ERROR_CODES) expect({ code, status: rows.find((r) => r.code === code)?.status }).toEqual({ code, status: HTTP_STATUS[code] });
  });

  it('shows an example response carrying its own code', () => {
    for (const r of rows) {
      const json = r.example.slice(r.example.indexOf('{'), r.example.lastIndexOf('}') + 1);
      const body = JSON.parse(json) as { errors?: { extensions: { code: string } }[]; error?: { code: string } };
      expect(body.errors?.[0].extensions.code ?? body.error?.code).toBe(r.code);
    }
  });
});
