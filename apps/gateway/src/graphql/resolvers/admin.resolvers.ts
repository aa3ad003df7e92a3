import type { MutationResolvers, QueryResolvers, QuotasInput, TenantResolvers } from '../../__generated__/graphql';
import type { Tenant } from '../../__generated__/prisma/client';
import { requireScope, type TenantLimits } from '../../auth/principal';
import { badInput } from '../../common/gateway.errors';
import type { WorkerState } from '../../dispatch/worker-pool';
import type { TenantQuotaInput } from '../../tenants/tenant.repository';
import type { GraphQLContext } from '../context';

export interface WorkerPoolParent {
  workers: WorkerState[];
  queue: { queued: number; running: number; succeeded: number; failed: number; cancelled: number };
}

const admin = (ctx: GraphQLContext) => requireScope(ctx.principal, 'ADMIN');

function quotasFrom(input: QuotasInput | null | undefined): TenantQuotaInput {
  if (!input) return {};
  const q: TenantQuotaInput = {};
  if (input.maxImageBytes != null) q.maxImageBytes = input.maxImageBytes;
  if (input.maxImagePixels != null) q.maxImagePixels = input.maxImagePixels;
  if (input.maxStorageBytes != null) {
    if (!Number.isSafeInteger(input.maxStorageBytes)) throw badInput('maxStorageBytes must be a whole number of bytes');
    q.maxStorageBytes = BigInt(input.maxStorageBytes);
  }
  if (input.monthlyExpressionQuota !== undefined) q.monthlyExpressionQuota = input.monthlyExpressionQuota;
  if (input.rateLimitPerMinute != null) q.rateLimitPerMinute = input.rateLimitPerMinute;
  return q;
}

export function limitsOf(t: Tenant): TenantLimits {
  return {
    maxImageBytes: t.maxImageBytes,
    maxImagePixels: t.maxImagePixels,
    maxStorageBytes: t.maxStorageBytes,
    monthlyExpressionQuota: t.monthlyExpressionQuota,
    rateLimitPerMinute: t.rateLimitPerMinute,
  };
}

export const adminQueries: Pick<QueryResolvers, 'tenants' | 'tenant' | 'workerPool'> = {
  tenants: (_, __, ctx) => {
    admin(ctx);
    return ctx.services.tenants.listAll();
  },
  tenant: (_, { id }, ctx) => {
    admin(ctx);
    return ctx.services.tenants.get(id);
  },
  workerPool: async (_, __, ctx) => {
    admin(ctx);
    const depth = await ctx.services.queue.depth();
    return {
      workers: ctx.services.pool?.state() ?? [],
      queue: {
        queued: depth.QUEUED ?? 0,
        running: depth.RUNNING ?? 0,
        succeeded: depth.SUCCEEDED ?? 0,
        failed: depth.FAILED ?? 0,
        cancelled: depth.CANCELLED ?? 0,
      },
    };
  },
};

export const adminMutations: Pick<MutationResolvers, 'createTenant' | 'updateTenantQuotas' | 'setImageRetention' | 'createApiKey' | 'revokeApiKey'> = {
  createTenant: (_, { name, quotas }, ctx) => {
    admin(ctx);
    return ctx.services.tenants.create(name, quotasFrom(quotas));
  },
  updateTenantQuotas: (_, { tenantId, quotas }, ctx) => {
    admin(ctx);
    return ctx.services.tenants.updateQuotas(tenantId, quotasFrom(quotas));
  },
  setImageRetention: (_, { tenantId, days }, ctx) => {
    admin(ctx);
    return ctx.services.tenants.setImageRetention(tenantId, days ?? null);
  },
  createApiKey: (_, { tenantId, name, scopes }, ctx) => {
    admin(ctx);
    return ctx.services.apiKeys.create(tenantId, name, scopes);
  },
  revokeApiKey: (_, { tenantId, id }, ctx) => {
    admin(ctx);
    return ctx.services.apiKeys.revoke(tenantId, id);
  },
};

export const TenantType: TenantResolvers = {
  quotas: (t) => limitsOf(t),
  apiKeys: (t, _, ctx) => {
    admin(ctx);
    return ctx.services.apiKeys.list(t.id);
  },
};
