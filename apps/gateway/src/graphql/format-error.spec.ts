import { GraphQLError } from 'graphql';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../common/gateway.errors';
import { createFormatError } from './format-error';

const logged: unknown[] = [];
const logger = pino({ level: 'error' }, { write: (line: string) => logged.push(JSON.parse(line)) });
const format = createFormatError(logger);

function resolverError(original: Error): GraphQLError {
  return new GraphQLError(original.message, { originalError: original, path: ['segmentation'] });
}

describe('formatError', () => {
  it('maps GatewayErrors to their code and safe details', () => {
    const err = resolverError(new GatewayError('QUOTA_EXCEEDED', 'over', { limit: 4 }));
    expect(format({ message: 'over', extensions: { code: 'INTERNAL_SERVER_ERROR' } }, err)).toEqual({
      message: 'over',
      locations: undefined,
      path: undefined,
      extensions: { code: 'QUOTA_EXCEEDED', limit: 4 },
    });
  });

  it('masks unexpected errors as INTERNAL_SERVER_ERROR without leaking their message, and logs them', () => {
    logged.length = 0;
    const err = resolverError(new Error('connection to 10.0.0.5 refused: password authentication failed'));
    const out = format({ message: err.message, extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['…'] } }, err);
    expect(out).toMatchObject({ message: 'internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(JSON.stringify(out)).not.toContain('10.0.0.5');
    expect(logged).toHaveLength(1);
  });

  it("keeps Apollo's own request error codes and strips the HTTP hint", () => {
    const out = format(
      { message: 'Syntax Error', extensions: { code: 'GRAPHQL_PARSE_FAILED', http: { status: 400 } } },
      new GraphQLError('Syntax Error', { extensions: { code: 'GRAPHQL_PARSE_FAILED' } }),
    );
    expect(out.extensions).toEqual({ code: 'GRAPHQL_PARSE_FAILED' });
  });
});
