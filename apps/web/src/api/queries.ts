/** The GraphQL documents the pages send, and the shapes they read (see apps/gateway/src/graphql/schema.graphql). */

export type Scope = 'READ' | 'SEGMENT' | 'ADMIN';
export type Status = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED';
export const TERMINAL: readonly Status[] = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

export interface Quotas {
  maxImageBytes: number;
  maxImagePixels: number;
  maxStorageBytes: number;
  monthlyExpressionQuota: number | null;
  rateLimitPerMinute: number;
}

export interface Caller {
  tenantId: string;
  keyId: string;
  scopes: Scope[];
  quotas: Quotas;
}

const QUOTAS = 'quotas { maxImageBytes maxImagePixels maxStorageBytes monthlyExpressionQuota rateLimitPerMinute }';

export const ME = `query Me { me { tenantId keyId scopes ${QUOTAS} } }`;

export interface Rle {
  size: [number, number];
  counts: string;
}

export interface ProposalScore {
  generative: number;
  hard: number;
  soft: number;
  fused: number;
  bbox: [number, number, number, number] | null;
  area: number;
  filtered: boolean;
}

/** `Segmentation.scores` as the gateway stores it (JSON): the worker's per-proposal scores and cues. */
export interface ScoresJson {
  chosen?: number;
  proposals?: ProposalScore[];
  directions?: { cue: string | number; index: number }[];
}

export interface Segmentation {
  id: string;
  expression: string;
  status: Status;
  attempts: number;
  worker: string | null;
  score: number | null;
  scores: ScoresJson | null;
  rootWord: string | null;
  /** `data:image/png;base64,…`: the attention map as an 8-bit grayscale PNG, when the request asked for it. */
  attentionMapPng: string | null;
  timingsMs: Record<string, number> | null;
  gpuMs: number | null;
  error: { code: string; message: string } | null;
  mask: { rle: Rle; box: [number, number, number, number]; area: number } | null;
  image: { id: string; width: number; height: number; format: string };
  options: Record<string, unknown>;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export const SEGMENTATION_FIELDS = `id expression status attempts worker score scores rootWord attentionMapPng timingsMs gpuMs
  error { code message } mask { rle { size counts } box area } image { id width height format } options
  createdAt startedAt finishedAt`;

export const SEGMENT = `mutation Segment($imageId: ID!, $expressions: [String!]!, $options: SegmentOptionsInput, $key: String) {
  segment(imageId: $imageId, expressions: $expressions, options: $options, idempotencyKey: $key) { ${SEGMENTATION_FIELDS} }
}`;

export const WAIT = `query Wait($ids: [ID!]!, $timeout: Int) {
  waitForSegmentations(ids: $ids, timeoutSeconds: $timeout) { ${SEGMENTATION_FIELDS} }
}`;

export const SEGMENTATION = `query One($id: ID!) { segmentation(id: $id) { ${SEGMENTATION_FIELDS} } }`;

export const CANCEL = `mutation Cancel($id: ID!) { cancelSegmentation(id: $id) { id status } }`;

export interface SegmentationRow {
  id: string;
  expression: string;
  status: Status;
  score: number | null;
  gpuMs: number | null;
  createdAt: string;
  finishedAt: string | null;
  error: { code: string } | null;
  image: { id: string };
}

export const RECENT = `query Recent($first: Int, $after: String) {
  segmentations(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id expression status score gpuMs createdAt finishedAt error { code } image { id } } }
  }
}`;

export interface RecentPage {
  segmentations: {
    totalCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    edges: { node: SegmentationRow }[];
  };
}

export type Granularity = 'HOUR' | 'DAY';

export interface UsagePoint {
  bucket: string;
  requests: number;
  expressions: number;
  images: number;
  gpuMs: number;
  failures: number;
}

export interface UsageReport {
  from: string;
  to: string;
  granularity: Granularity;
  series: UsagePoint[];
  totals: Omit<UsagePoint, 'bucket'>;
}

export const USAGE = `query Usage($from: DateTime!, $to: DateTime!, $granularity: Granularity) {
  usage(from: $from, to: $to, granularity: $granularity) {
    from to granularity
    series { bucket requests expressions images gpuMs failures }
    totals { requests expressions images gpuMs failures }
  }
}`;

export interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  scopes: Scope[];
  createdAt: string;
  revokedAt: string | null;
  lastUsedAt: string | null;
}

export interface TenantRow {
  id: string;
  name: string;
  createdAt: string;
  quotas: Quotas;
  apiKeys: ApiKeyRow[];
}

export interface WorkerState {
  target: string;
  healthy: boolean;
  inFlight: number;
  maxConcurrent: number | null;
  queueDepth: number | null;
  cache: { entries: number; bytes: number; capacityBytes: number; hits: number; misses: number; hitRate: number | null } | null;
  packName: string | null;
  version: string | null;
  lastError: string | null;
  lastCheckedAt: string | null;
}

export interface AdminData {
  tenants: TenantRow[];
  workerPool: {
    workers: WorkerState[];
    queue: { queued: number; running: number; succeeded: number; failed: number; cancelled: number };
  };
}

export const ADMIN = `query Admin {
  tenants { id name createdAt ${QUOTAS} apiKeys { id name prefix scopes createdAt revokedAt lastUsedAt } }
  workerPool {
    workers { target healthy inFlight maxConcurrent queueDepth cache { entries bytes capacityBytes hits misses hitRate } packName version lastError lastCheckedAt }
    queue { queued running succeeded failed cancelled }
  }
}`;

export const CREATE_TENANT = `mutation CreateTenant($name: String!, $quotas: QuotasInput) { createTenant(name: $name, quotas: $quotas) { id name } }`;

export const CREATE_KEY = `mutation CreateKey($tenantId: ID!, $name: String!, $scopes: [ApiKeyScope!]!) {
  createApiKey(tenantId: $tenantId, name: $name, scopes: $scopes) { token key { id prefix } }
}`;

export const REVOKE_KEY = `mutation RevokeKey($tenantId: ID!, $id: ID!) { revokeApiKey(tenantId: $tenantId, id: $id) { id revokedAt } }`;

export const UPDATE_QUOTAS = `mutation UpdateQuotas($tenantId: ID!, $quotas: QuotasInput!) {
  updateTenantQuotas(tenantId: $tenantId, quotas: $quotas) { id quotas { monthlyExpressionQuota rateLimitPerMinute } }
}`;
