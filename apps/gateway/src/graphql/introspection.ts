/**
 * Introspection for callers with an API key only (GRAPHQL_INTROSPECTION=authenticated): tools such as GraphiQL or a
 * code generator run with a key and see the schema, while an anonymous caller cannot enumerate the API (admin
 * operations included). Apollo's own switch is all or nothing, so in this mode it stays on and this plugin refuses
 * an anonymous operation that selects `__schema` or `__type` (`__typename` is not introspection) before execution.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, visit, type DocumentNode } from 'graphql';
import type { GraphQLContext } from './context';

export type IntrospectionMode = 'on' | 'off' | 'authenticated';

export function selectsIntrospection(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') found = true;
    },
  });
  return found;
}

export function anonymousIntrospectionPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, contextValue }) {
          if (contextValue.principal || !selectsIntrospection(document)) return;
          throw new GraphQLError('introspection needs an API key (Authorization: Bearer rd_live_…)', {
            extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
          });
        },
      };
    },
  };
}
