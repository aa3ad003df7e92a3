import DataLoader from 'dataloader';
import type { Logger } from 'pino';
import type { Principal } from '../auth/principal';
import type { ImageMeta } from '../images/image.repository';
import type { Services } from '../services';

/** Built per request in Apollo's context function; nothing here outlives the request. */
export interface GraphQLContext {
  principal: Principal | null;
  services: Services;
  logger: Logger;
  requestId: string;
  signal: AbortSignal;
  /**
   * The media type Apollo will answer with over HTTP (negotiated from Accept the way Apollo does; absent outside
   * HTTP): `application/json` gets 200 for request errors (graphql/legacy-json-status.ts).
   */
  responseMediaType?: string;
  loaders: {
    /** Images of the caller's tenant by id (batched per request). */
    image: DataLoader<string, ImageMeta | null>;
  };
}

export function createLoaders(services: Services, principal: Principal | null): GraphQLContext['loaders'] {
  return {
    image: new DataLoader(async (ids: readonly string[]) => {
      if (!principal) return ids.map(() => null);
      const rows = await services.imageRepository.getMany(principal.tenantId, ids);
      const byId = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  };
}
