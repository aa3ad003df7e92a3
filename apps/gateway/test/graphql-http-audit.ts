/** graphql-http's server audit (the GraphQL-over-HTTP spec's MUST / SHOULD / MAY checks), summarised for assertions. */
import { serverAudits, type AuditResult } from 'graphql-http';

/** MAY-level checks the gateway answers "no" to on purpose; each is explained in docs/gateway.md. */
export const DELIBERATE_NOTICES = {
  '5A70': 'MAY accept application/x-www-form-urlencoded formatted GET requests',
  D6D5: 'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/graphql-response+json',
  '6A70': 'MAY allow URL-encoded JSON string {variables} parameter in GETs when accepting application/json',
} as const;

export interface AuditSummary {
  total: number;
  /** "<id> <name>: <reason>" of each failed MUST */
  errors: string[];
  /** the same for each failed SHOULD */
  warnings: string[];
  /** id → name of each MAY the server answers "no" to */
  notices: Record<string, string>;
}

export async function auditGraphqlHttp(url: string): Promise<AuditSummary> {
  const results: { id: string; result: AuditResult }[] = [];
  for (const audit of serverAudits({ url })) results.push({ id: audit.id, result: await audit.fn() });
  const by = (status: string) =>
    results.filter((r) => r.result.status === status).map((r) => `${r.id} ${r.result.name}${'reason' in r.result ? `: ${r.result.reason}` : ''}`);
  return {
    total: results.length,
    errors: by('error'),
    warnings: by('warn'),
    notices: Object.fromEntries(results.filter((r) => r.result.status === 'notice').map((r) => [r.id, r.result.name])),
  };
}
