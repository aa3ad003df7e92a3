/**
 * The one check every GraphQL string input passes before any resolver runs: no NUL byte (U+0000). PostgreSQL
 * cannot store one in text or jsonb (error 22021 / 22P05), so without this check an expression, an idempotency key
 * or a key name holding one reached the database and came back as INTERNAL_SERVER_ERROR. Literals in the document
 * and variable values (at any depth, JSON scalars included) are checked alike; the error names the input.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, visit, type DocumentNode, type ValueNode } from 'graphql';

const NUL = '\u0000';

/** What the document itself contributes, in document order: a literal holding a NUL, or a variable to look into. */
type Check = { path: string; variable: null } | { path: string; variable: string };

/**
 * The document's checks, computed once per parsed document (Apollo's document cache hands the same DocumentNode to
 * every request with the same query text, so the AST walk is not repeated per request; only variables are).
 */
const checksByDocument = new WeakMap<DocumentNode, readonly Check[]>();

function documentChecks(document: DocumentNode): readonly Check[] {
  const cached = checksByDocument.get(document);
  if (cached) return cached;
  const checks: Check[] = [];
  const scanAst = (node: ValueNode, path: string): void => {
    switch (node.kind) {
      case Kind.STRING:
        if (node.value.includes(NUL)) checks.push({ path, variable: null });
        return;
      case Kind.LIST:
        node.values.forEach((x, i) => scanAst(x, `${path}[${i}]`));
        return;
      case Kind.OBJECT:
        for (const f of node.fields) scanAst(f.value, `${path}.${f.name.value}`);
        return;
      case Kind.VARIABLE:
        checks.push({ path, variable: node.name.value });
        return;
      default:
    }
  };
  visit(document, {
    Argument(node) {
      scanAst(node.value, node.name.value);
    },
    VariableDefinition(node) {
      if (node.defaultValue) scanAst(node.defaultValue, `$${node.variable.name.value}`);
    },
  });
  checksByDocument.set(document, checks);
  return checks;
}

/** The path of the first string input holding a NUL byte (`expressions[1]`, `options.x`, `$key`), or null. */
export function findNulInput(document: DocumentNode, variables: Readonly<Record<string, unknown>> | undefined): string | null {
  let found: string | null = null;
  const scanValue = (v: unknown, path: string): void => {
    if (found !== null) return;
    if (typeof v === 'string') {
      if (v.includes(NUL)) found = path;
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => scanValue(x, `${path}[${i}]`));
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k.includes(NUL)) found = path;
        scanValue(x, `${path}.${k}`);
      }
    }
  };
  for (const c of documentChecks(document)) {
    if (c.variable === null) return c.path;
    scanValue(variables?.[c.variable], c.path);
    if (found !== null) return found;
  }
  // Variables no argument uses are never stored, but refusing them too keeps the rule simple to state.
  if (variables) for (const [k, v] of Object.entries(variables)) scanValue(v, `$${k}`);
  return found;
}

export function stringInputPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request }) {
          const field = findNulInput(document, request.variables);
          if (field !== null) {
            throw new GraphQLError(`${field} contains a NUL byte (U+0000), which no string input may hold`, {
              extensions: { code: 'BAD_USER_INPUT', field, http: { status: 400 } },
            });
          }
        },
      };
    },
  };
}
