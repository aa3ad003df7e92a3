/**
 * `Cache-Control: no-store` on every GraphQL answer, as Apollo's default cache-control plugin sets it here: the schema
 * has no `@cacheControl` hints and the default max-age is 0, so that plugin's only output was this header — at the
 * price of a `willResolveField` hook on every field of every operation (≈ 0.6 % of the gateway's CPU in the
 * platform bench, plus Apollo's resolver instrumentation it switches on). app.ts disables it and installs this.
 */
import type { ApolloServerPlugin } from '@apollo/server';

export function noStorePlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          response.http.headers.set('cache-control', 'no-store');
        },
      };
    },
  };
}
