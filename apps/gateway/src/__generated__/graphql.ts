import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { ImageMeta, DeletedImage as DeletedImageModel } from '../images/image.repository';
import type { ImageConnectionParent } from '../graphql/resolvers/image.resolvers';
import type { SegmentationRequest, Tenant as TenantModel, ApiKey as ApiKeyModel } from './prisma/client';
import type { Principal, TenantLimits } from '../auth/principal';
import type { SegmentationConnectionParent } from '../graphql/resolvers/segmentation.resolvers';
import type { UsageReport as UsageReportModel } from '../usage/usage.service';
import type { WorkerPoolParent } from '../graphql/resolvers/admin.resolvers';
import type { GraphQLContext } from '../graphql/context';
export type Maybe<T> = T | null;
export type InputMaybe<T> = T | null | undefined;
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An ISO-8601 instant, e.g. 2026-01-31T12:00:00.000Z. */
  DateTime: { input: Date; output: Date; }
  /** Any JSON value. */
  JSON: { input: unknown; output: unknown; }
  /**
   * An unsigned 32-bit integer, 0…4294967295, as a JSON number (GraphQL's Int is signed 32-bit and stops at
   * 2147483647). Any other number is refused with BAD_USER_INPUT naming the field.
   */
  UInt32: { input: number; output: number; }
};

export type ApiKey = {
  __typename?: 'ApiKey';
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  lastUsedAt: Maybe<Scalars['DateTime']['output']>;
  name: Scalars['String']['output'];
  /** The token's first characters, for recognising it in listings. */
  prefix: Scalars['String']['output'];
  revokedAt: Maybe<Scalars['DateTime']['output']>;
  scopes: Array<ApiKeyScope>;
};

export type ApiKeyScope =
  /** platform administration: tenants, keys, quotas, the worker pool */
  | 'ADMIN'
  /** read images, segmentations and usage */
  | 'READ'
  /** upload and delete images, create or cancel segmentations */
  | 'SEGMENT';

export type AttentionKind =
  | 'LOGITS'
  | 'PROBS';

export type Caller = {
  __typename?: 'Caller';
  keyId: Scalars['ID']['output'];
  quotas: Quotas;
  scopes: Array<ApiKeyScope>;
  /** Bytes of images the tenant stores now (checked against quotas.maxStorageBytes). */
  storedBytes: Scalars['Float']['output'];
  tenantId: Scalars['ID']['output'];
};

export type ClipResolution =
  /** both branches on the pack's fixed 224² square */
  | 'FIXED'
  /** the soft branch on the whole image at its own size, the hard branch on crops with their short side at 224 */
  | 'FULL';

export type CreatedApiKey = {
  __typename?: 'CreatedApiKey';
  key: ApiKey;
  /** Shown once: store it now. */
  token: Scalars['String']['output'];
};

/** What deleteImage removed. */
export type DeletedImage = {
  __typename?: 'DeletedImage';
  /** of those, the ones still QUEUED or RUNNING (their work is cancelled) */
  cancelledSegmentations: Scalars['Int']['output'];
  /** segmentation requests removed with the image (results included) */
  deletedSegmentations: Scalars['Int']['output'];
  /** bytes no longer counted against the tenant's storage */
  freedBytes: Scalars['Int']['output'];
  id: Scalars['ID']['output'];
};

/** A discriminative branch: HARD = the masked crop f(x⊙M), SOFT = the masked attention f_M(x⊙P). */
export type DiscriminativeBranch =
  | 'HARD'
  | 'SOFT';

export type FusionWeightsInput = {
  generative: Scalars['Float']['input'];
  hard: Scalars['Float']['input'];
  soft: Scalars['Float']['input'];
};

export type Granularity =
  | 'DAY'
  | 'HOUR';

export type Image = {
  __typename?: 'Image';
  byteSize: Scalars['Int']['output'];
  createdAt: Scalars['DateTime']['output'];
  format: ImageFormat;
  height: Scalars['Int']['output'];
  id: Scalars['ID']['output'];
  sha256: Scalars['String']['output'];
  width: Scalars['Int']['output'];
};

export type ImageConnection = {
  __typename?: 'ImageConnection';
  edges: Array<ImageEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type ImageEdge = {
  __typename?: 'ImageEdge';
  cursor: Scalars['String']['output'];
  node: Image;
};

export type ImageFilter = {
  /** created at or after this instant */
  createdAfter?: InputMaybe<Scalars['DateTime']['input']>;
  /** created before this instant */
  createdBefore?: InputMaybe<Scalars['DateTime']['input']>;
  format?: InputMaybe<Array<ImageFormat>>;
  /** the image with these bytes (64 lowercase hex digits) */
  sha256?: InputMaybe<Scalars['String']['input']>;
};

export type ImageFormat =
  | 'JPEG'
  | 'PNG'
  | 'WEBP';

export type Mask = {
  __typename?: 'Mask';
  area: Scalars['Int']['output'];
  /** [x0, y0, x1, y1], inclusive */
  box: Array<Scalars['Int']['output']>;
  rle: Rle;
};

export type Mutation = {
  __typename?: 'Mutation';
  cancelSegmentation: Segmentation;
  /** ADMIN */
  createApiKey: CreatedApiKey;
  /** ADMIN */
  createTenant: Tenant;
  /**
   * Deletes the image: its bytes, its segmentations and their results; queued or running work on it is cancelled.
   * Usage already recorded stays. Afterwards nothing of it is reachable (NOT_FOUND); SEGMENT scope.
   */
  deleteImage: DeletedImage;
  /** ADMIN */
  revokeApiKey: ApiKey;
  /**
   * Queue one segmentation per expression on an uploaded image (see POST /v1/images). With an idempotencyKey, a
   * repeated call returns the first call's requests instead of queueing again.
   * With waitSeconds (0–60; absent or 0: return at once, QUEUED), the mutation then waits as waitForSegmentations
   * does: it returns when every request is SUCCEEDED, FAILED or CANCELLED, or when waitSeconds have passed, with the
   * requests as they stand — one round trip for a client that wants the results.
   */
  segment: Array<Segmentation>;
  /** ADMIN: images older than `days` days are deleted (1–36500); null keeps them until deleted. */
  setImageRetention: Tenant;
  /** ADMIN */
  updateTenantQuotas: Tenant;
};


export type MutationCancelSegmentationArgs = {
  id: Scalars['ID']['input'];
};


export type MutationCreateApiKeyArgs = {
  name: Scalars['String']['input'];
  scopes?: Array<ApiKeyScope>;
  tenantId: Scalars['ID']['input'];
};


export type MutationCreateTenantArgs = {
  name: Scalars['String']['input'];
  quotas?: InputMaybe<QuotasInput>;
};


export type MutationDeleteImageArgs = {
  id: Scalars['ID']['input'];
};


export type MutationRevokeApiKeyArgs = {
  id: Scalars['ID']['input'];
  tenantId: Scalars['ID']['input'];
};


export type MutationSegmentArgs = {
  expressions: Array<Scalars['String']['input']>;
  idempotencyKey?: InputMaybe<Scalars['String']['input']>;
  imageId: Scalars['ID']['input'];
  options?: InputMaybe<SegmentOptionsInput>;
  waitSeconds?: InputMaybe<Scalars['Int']['input']>;
};


export type MutationSetImageRetentionArgs = {
  days?: InputMaybe<Scalars['Int']['input']>;
  tenantId: Scalars['ID']['input'];
};


export type MutationUpdateTenantQuotasArgs = {
  quotas: QuotasInput;
  tenantId: Scalars['ID']['input'];
};

export type PageInfo = {
  __typename?: 'PageInfo';
  endCursor: Maybe<Scalars['String']['output']>;
  hasNextPage: Scalars['Boolean']['output'];
};

export type PositionalBias =
  | 'OFF'
  | 'RAMP'
  | 'SOFT';

export type Preset =
  | 'PAPER'
  | 'REFERENCE';

export type ProposalSource =
  | 'SAM'
  | 'WEIGHT_FREE';

export type Query = {
  __typename?: 'Query';
  image: Image;
  /** The tenant's images, newest first, Relay-style pagination (first: 1–100). */
  images: ImageConnection;
  /** The calling key and its tenant's quotas. */
  me: Caller;
  segmentation: Segmentation;
  /** Newest first, Relay-style pagination. */
  segmentations: SegmentationConnection;
  /** ADMIN: one tenant. */
  tenant: Tenant;
  /** ADMIN: every tenant. */
  tenants: Array<Tenant>;
  /** The caller's tenant: time series and totals. */
  usage: UsageReport;
  /**
   * Long poll: returns when every request is SUCCEEDED, FAILED or CANCELLED, or after timeoutSeconds (max 60)
   * with their current state. Use instead of polling `segmentation`.
   */
  waitForSegmentations: Array<Segmentation>;
  /** ADMIN: the worker pool and the queue. */
  workerPool: WorkerPoolState;
};


export type QueryImageArgs = {
  id: Scalars['ID']['input'];
};


export type QueryImagesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<ImageFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QuerySegmentationArgs = {
  id: Scalars['ID']['input'];
};


export type QuerySegmentationsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  filter?: InputMaybe<SegmentationFilter>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryTenantArgs = {
  id: Scalars['ID']['input'];
};


export type QueryUsageArgs = {
  from: Scalars['DateTime']['input'];
  granularity?: InputMaybe<Granularity>;
  to: Scalars['DateTime']['input'];
};


export type QueryWaitForSegmentationsArgs = {
  ids: Array<Scalars['ID']['input']>;
  timeoutSeconds?: InputMaybe<Scalars['Int']['input']>;
};

export type QueueDepth = {
  __typename?: 'QueueDepth';
  cancelled: Scalars['Int']['output'];
  failed: Scalars['Int']['output'];
  queued: Scalars['Int']['output'];
  running: Scalars['Int']['output'];
  succeeded: Scalars['Int']['output'];
};

export type Quotas = {
  __typename?: 'Quotas';
  maxImageBytes: Scalars['Int']['output'];
  maxImagePixels: Scalars['Int']['output'];
  maxStorageBytes: Scalars['Float']['output'];
  monthlyExpressionQuota: Maybe<Scalars['Int']['output']>;
  rateLimitPerMinute: Scalars['Int']['output'];
};

export type QuotasInput = {
  maxImageBytes?: InputMaybe<Scalars['Int']['input']>;
  maxImagePixels?: InputMaybe<Scalars['Int']['input']>;
  maxStorageBytes?: InputMaybe<Scalars['Float']['input']>;
  monthlyExpressionQuota?: InputMaybe<Scalars['Int']['input']>;
  rateLimitPerMinute?: InputMaybe<Scalars['Int']['input']>;
};

/** COCO run-length encoding (pycocotools' compressed string form), column-major. */
export type Rle = {
  __typename?: 'Rle';
  counts: Scalars['String']['output'];
  /** [height, width] */
  size: Array<Scalars['Int']['output']>;
};

/**
 * Method options; anything left out takes the preset's value. Every field is checked at `segment` time by the
 * validation the worker shares (bounds and each preset's value: docs/options.md); a bad value is BAD_USER_INPUT
 * naming the field (`extensions.issues: [{ field, message }]`) and nothing is queued or counted.
 */
export type SegmentOptionsInput = {
  /** paper fusion s = α·s_G + (1−α)·s_D, [0, 1] */
  alpha?: InputMaybe<Scalars['Float']['input']>;
  attentionKind?: InputMaybe<AttentionKind>;
  /** 1, 2, 4 or 8 */
  attentionLevel?: InputMaybe<Scalars['Int']['input']>;
  /** paper fusion s_D = β·soft + (1−β)·hard, [0, 1] */
  beta?: InputMaybe<Scalars['Float']['input']>;
  /** the branch the positional bias multiplies */
  biasBranch?: InputMaybe<DiscriminativeBranch>;
  /** longest side of a full-resolution CLIP input, [the pack's CLIP size, 4096] */
  clipMaxSide?: InputMaybe<Scalars['Int']['input']>;
  /** CLIP input resolution; FULL needs a pack whose CLIP takes any size */
  clipResolution?: InputMaybe<ClipResolution>;
  /** fusion family: PAPER (alpha, beta) or REFERENCE (weights) */
  fusion?: InputMaybe<Preset>;
  /** [1, 50] */
  guidanceScale?: InputMaybe<Scalars['Float']['input']>;
  /** text target of the hard branch */
  hardText?: InputMaybe<TextWeightsInput>;
  /** side of the square fed to SD: a multiple of 64 in [64, 2048] (default: the pack's) */
  imageSize?: InputMaybe<Scalars['Int']['input']>;
  /** CLIP layer the soft branch reads: 1-based, negative from the end (−1 = last); |v| ≤ the pack's layers */
  maskedLayer?: InputMaybe<Scalars['Int']['input']>;
  /** proposals of at most this many pixels are filtered, ≥ 0 (overrides minAreaRatio) */
  minArea?: InputMaybe<Scalars['Int']['input']>;
  /** proposals of at most this share of the image are filtered, [0, 1) */
  minAreaRatio?: InputMaybe<Scalars['Float']['input']>;
  positionalBias?: InputMaybe<PositionalBias>;
  preset?: InputMaybe<Preset>;
  proposals?: InputMaybe<ProposalSource>;
  /** Also return the attention heat map of each expression (Segmentation.attentionMapPng). */
  returnAttention?: InputMaybe<Scalars['Boolean']['input']>;
  /** 0…4294967295 */
  seed?: InputMaybe<Scalars['UInt32']['input']>;
  /** text target of the soft branch */
  softText?: InputMaybe<TextWeightsInput>;
  /** DDIM steps, [2, 1000]; ⌊strength·steps⌋ must be 1…8 */
  steps?: InputMaybe<Scalars['Int']['input']>;
  /** (0, 1); ⌊strength·steps⌋ UNet passes, 1…8 */
  strength?: InputMaybe<Scalars['Float']['input']>;
  thresholdMode?: InputMaybe<ThresholdMode>;
  /** SAM proposals kept, [1, 1000] */
  topK?: InputMaybe<Scalars['Int']['input']>;
  /** reference fusion weights, each [0, 100], not all 0 */
  weights?: InputMaybe<FusionWeightsInput>;
};

export type Segmentation = {
  __typename?: 'Segmentation';
  attempts: Scalars['Int']['output'];
  /**
   * The attention map c the result was cut from ([H, W], values 0…1 scaled to 0…255), as a
   * `data:image/png;base64,…` URL of an 8-bit grayscale PNG; null unless the request set options.returnAttention.
   */
  attentionMapPng: Maybe<Scalars['String']['output']>;
  createdAt: Scalars['DateTime']['output'];
  /** Set when FAILED (or the last retryable error while QUEUED). */
  error: Maybe<SegmentationError>;
  expression: Scalars['String']['output'];
  finishedAt: Maybe<Scalars['DateTime']['output']>;
  gpuMs: Maybe<Scalars['Int']['output']>;
  id: Scalars['ID']['output'];
  idempotencyKey: Maybe<Scalars['String']['output']>;
  image: Image;
  mask: Maybe<Mask>;
  options: Scalars['JSON']['output'];
  rootWord: Maybe<Scalars['String']['output']>;
  score: Maybe<Scalars['Float']['output']>;
  /** Per-proposal scores, the chosen index and direction cues. */
  scores: Maybe<Scalars['JSON']['output']>;
  startedAt: Maybe<Scalars['DateTime']['output']>;
  status: SegmentationStatus;
  timingsMs: Maybe<Scalars['JSON']['output']>;
  /** The worker that produced the result (or was last tried). */
  worker: Maybe<Scalars['String']['output']>;
};

export type SegmentationConnection = {
  __typename?: 'SegmentationConnection';
  edges: Array<SegmentationEdge>;
  pageInfo: PageInfo;
  totalCount: Scalars['Int']['output'];
};

export type SegmentationEdge = {
  __typename?: 'SegmentationEdge';
  cursor: Scalars['String']['output'];
  node: Segmentation;
};

export type SegmentationError = {
  __typename?: 'SegmentationError';
  code: Scalars['String']['output'];
  message: Scalars['String']['output'];
};

export type SegmentationFilter = {
  imageId?: InputMaybe<Scalars['ID']['input']>;
  status?: InputMaybe<Array<SegmentationStatus>>;
};

export type SegmentationStatus =
  | 'CANCELLED'
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING'
  | 'SUCCEEDED';

/**
 * Over WebSocket only (GraphQL over WebSocket protocol, `graphql-transport-ws`, at the same /graphql path; send the
 * API key in the connection_init payload: `{ "authorization": "Bearer rd_live_…" }`). Needs READ. See docs/gateway.md.
 */
export type Subscription = {
  __typename?: 'Subscription';
  /**
   * The current state of each request, then every status change (QUEUED, RUNNING, a retry, the final state with its
   * result) as it happens on any gateway replica; completes once all are SUCCEEDED, FAILED or CANCELLED. 1–100 ids;
   * ids that are not the caller's answer NOT_FOUND.
   */
  segmentationUpdated: Segmentation;
  /** Every status change of any segmentation of one image, from now on (never completes by itself). */
  segmentationsUpdated: Segmentation;
};


/**
 * Over WebSocket only (GraphQL over WebSocket protocol, `graphql-transport-ws`, at the same /graphql path; send the
 * API key in the connection_init payload: `{ "authorization": "Bearer rd_live_…" }`). Needs READ. See docs/gateway.md.
 */
export type SubscriptionSegmentationUpdatedArgs = {
  ids: Array<Scalars['ID']['input']>;
};


/**
 * Over WebSocket only (GraphQL over WebSocket protocol, `graphql-transport-ws`, at the same /graphql path; send the
 * API key in the connection_init payload: `{ "authorization": "Bearer rd_live_…" }`). Needs READ. See docs/gateway.md.
 */
export type SubscriptionSegmentationsUpdatedArgs = {
  imageId: Scalars['ID']['input'];
};

export type Tenant = {
  __typename?: 'Tenant';
  apiKeys: Array<ApiKey>;
  createdAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  /** Images older than this many days are deleted by the retention sweeper; null = kept until deleted. */
  imageRetentionDays: Maybe<Scalars['Int']['output']>;
  name: Scalars['String']['output'];
  quotas: Quotas;
};

/** Weights of (sentence, root word) in a discriminative branch's text target; each in [0, 1], not both 0. */
export type TextWeightsInput = {
  root: Scalars['Float']['input'];
  sentence: Scalars['Float']['input'];
};

export type ThresholdMode =
  | 'QUANTILE'
  | 'VALUE';

export type UsagePoint = {
  __typename?: 'UsagePoint';
  bucket: Scalars['DateTime']['output'];
  expressions: Scalars['Int']['output'];
  failures: Scalars['Int']['output'];
  gpuMs: Scalars['Float']['output'];
  images: Scalars['Int']['output'];
  requests: Scalars['Int']['output'];
};

export type UsageReport = {
  __typename?: 'UsageReport';
  from: Scalars['DateTime']['output'];
  granularity: Granularity;
  series: Array<UsagePoint>;
  to: Scalars['DateTime']['output'];
  totals: UsageTotals;
};

export type UsageTotals = {
  __typename?: 'UsageTotals';
  expressions: Scalars['Int']['output'];
  failures: Scalars['Int']['output'];
  gpuMs: Scalars['Float']['output'];
  images: Scalars['Int']['output'];
  requests: Scalars['Int']['output'];
};

/**
 * A worker's image cache (decoded images and their image-side state), from its last GetInfo health check (every 2 s).
 * Counters are cumulative since the worker started.
 */
export type WorkerCache = {
  __typename?: 'WorkerCache';
  bytes: Scalars['Float']['output'];
  capacityBytes: Scalars['Float']['output'];
  entries: Scalars['Int']['output'];
  /** hits / (hits + misses); null before the first lookup */
  hitRate: Maybe<Scalars['Float']['output']>;
  hits: Scalars['Float']['output'];
  misses: Scalars['Float']['output'];
};

export type WorkerPoolState = {
  __typename?: 'WorkerPoolState';
  queue: QueueDepth;
  workers: Array<WorkerState>;
};

export type WorkerState = {
  __typename?: 'WorkerState';
  /** Null until a health check succeeded. */
  cache: Maybe<WorkerCache>;
  healthy: Scalars['Boolean']['output'];
  inFlight: Scalars['Int']['output'];
  lastCheckedAt: Maybe<Scalars['DateTime']['output']>;
  lastError: Maybe<Scalars['String']['output']>;
  maxConcurrent: Maybe<Scalars['Int']['output']>;
  packName: Maybe<Scalars['String']['output']>;
  /** Requests waiting in the worker's own queue, from its last GetInfo. */
  queueDepth: Maybe<Scalars['Int']['output']>;
  target: Scalars['String']['output'];
  version: Maybe<Scalars['String']['output']>;
};



export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = Record<PropertyKey, never>, TParent = Record<PropertyKey, never>, TContext = Record<PropertyKey, never>, TArgs = Record<PropertyKey, never>> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;





/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  ApiKey: ResolverTypeWrapper<ApiKeyModel>;
  ApiKeyScope: ApiKeyScope;
  AttentionKind: AttentionKind;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Caller: ResolverTypeWrapper<Principal>;
  ClipResolution: ClipResolution;
  CreatedApiKey: ResolverTypeWrapper<Omit<CreatedApiKey, 'key'> & { key: ResolversTypes['ApiKey'] }>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  DeletedImage: ResolverTypeWrapper<DeletedImageModel>;
  DiscriminativeBranch: DiscriminativeBranch;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  FusionWeightsInput: FusionWeightsInput;
  Granularity: Granularity;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  Image: ResolverTypeWrapper<ImageMeta>;
  ImageConnection: ResolverTypeWrapper<ImageConnectionParent>;
  ImageEdge: ResolverTypeWrapper<Omit<ImageEdge, 'node'> & { node: ResolversTypes['Image'] }>;
  ImageFilter: ImageFilter;
  ImageFormat: ImageFormat;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  JSON: ResolverTypeWrapper<Scalars['JSON']['output']>;
  Mask: ResolverTypeWrapper<Mask>;
  Mutation: ResolverTypeWrapper<Record<PropertyKey, never>>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  PositionalBias: PositionalBias;
  Preset: Preset;
  ProposalSource: ProposalSource;
  Query: ResolverTypeWrapper<Record<PropertyKey, never>>;
  QueueDepth: ResolverTypeWrapper<QueueDepth>;
  Quotas: ResolverTypeWrapper<TenantLimits>;
  QuotasInput: QuotasInput;
  Rle: ResolverTypeWrapper<Rle>;
  SegmentOptionsInput: SegmentOptionsInput;
  Segmentation: ResolverTypeWrapper<SegmentationRequest>;
  SegmentationConnection: ResolverTypeWrapper<SegmentationConnectionParent>;
  SegmentationEdge: ResolverTypeWrapper<Omit<SegmentationEdge, 'node'> & { node: ResolversTypes['Segmentation'] }>;
  SegmentationError: ResolverTypeWrapper<SegmentationError>;
  SegmentationFilter: SegmentationFilter;
  SegmentationStatus: SegmentationStatus;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Subscription: ResolverTypeWrapper<Record<PropertyKey, never>>;
  Tenant: ResolverTypeWrapper<TenantModel>;
  TextWeightsInput: TextWeightsInput;
  ThresholdMode: ThresholdMode;
  UInt32: ResolverTypeWrapper<Scalars['UInt32']['output']>;
  UsagePoint: ResolverTypeWrapper<UsagePoint>;
  UsageReport: ResolverTypeWrapper<UsageReportModel>;
  UsageTotals: ResolverTypeWrapper<UsageTotals>;
  WorkerCache: ResolverTypeWrapper<WorkerCache>;
  WorkerPoolState: ResolverTypeWrapper<WorkerPoolParent>;
  WorkerState: ResolverTypeWrapper<WorkerState>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  ApiKey: ApiKeyModel;
  Boolean: Scalars['Boolean']['output'];
  Caller: Principal;
  CreatedApiKey: Omit<CreatedApiKey, 'key'> & { key: ResolversParentTypes['ApiKey'] };
  DateTime: Scalars['DateTime']['output'];
  DeletedImage: DeletedImageModel;
  Float: Scalars['Float']['output'];
  FusionWeightsInput: FusionWeightsInput;
  ID: Scalars['ID']['output'];
  Image: ImageMeta;
  ImageConnection: ImageConnectionParent;
  ImageEdge: Omit<ImageEdge, 'node'> & { node: ResolversParentTypes['Image'] };
  ImageFilter: ImageFilter;
  Int: Scalars['Int']['output'];
  JSON: Scalars['JSON']['output'];
  Mask: Mask;
  Mutation: Record<PropertyKey, never>;
  PageInfo: PageInfo;
  Query: Record<PropertyKey, never>;
  QueueDepth: QueueDepth;
  Quotas: TenantLimits;
  QuotasInput: QuotasInput;
  Rle: Rle;
  SegmentOptionsInput: SegmentOptionsInput;
  Segmentation: SegmentationRequest;
  SegmentationConnection: SegmentationConnectionParent;
  SegmentationEdge: Omit<SegmentationEdge, 'node'> & { node: ResolversParentTypes['Segmentation'] };
  SegmentationError: SegmentationError;
  SegmentationFilter: SegmentationFilter;
  String: Scalars['String']['output'];
  Subscription: Record<PropertyKey, never>;
  Tenant: TenantModel;
  TextWeightsInput: TextWeightsInput;
  UInt32: Scalars['UInt32']['output'];
  UsagePoint: UsagePoint;
  UsageReport: UsageReportModel;
  UsageTotals: UsageTotals;
  WorkerCache: WorkerCache;
  WorkerPoolState: WorkerPoolParent;
  WorkerState: WorkerState;
};

export type ApiKeyResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ApiKey'] = ResolversParentTypes['ApiKey']> = {
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastUsedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  prefix?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  revokedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  scopes?: Resolver<Array<ResolversTypes['ApiKeyScope']>, ParentType, ContextType>;
};

export type CallerResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Caller'] = ResolversParentTypes['Caller']> = {
  keyId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  quotas?: Resolver<ResolversTypes['Quotas'], ParentType, ContextType>;
  scopes?: Resolver<Array<ResolversTypes['ApiKeyScope']>, ParentType, ContextType>;
  storedBytes?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  tenantId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
};

export type CreatedApiKeyResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['CreatedApiKey'] = ResolversParentTypes['CreatedApiKey']> = {
  key?: Resolver<ResolversTypes['ApiKey'], ParentType, ContextType>;
  token?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type DeletedImageResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['DeletedImage'] = ResolversParentTypes['DeletedImage']> = {
  cancelledSegmentations?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  deletedSegmentations?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  freedBytes?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
};

export type ImageResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Image'] = ResolversParentTypes['Image']> = {
  byteSize?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  format?: Resolver<ResolversTypes['ImageFormat'], ParentType, ContextType>;
  height?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  sha256?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  width?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type ImageConnectionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ImageConnection'] = ResolversParentTypes['ImageConnection']> = {
  edges?: Resolver<Array<ResolversTypes['ImageEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type ImageEdgeResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['ImageEdge'] = ResolversParentTypes['ImageEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Image'], ParentType, ContextType>;
};

export interface JsonScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['JSON'], any> {
  name: 'JSON';
}

export type MaskResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Mask'] = ResolversParentTypes['Mask']> = {
  area?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  box?: Resolver<Array<ResolversTypes['Int']>, ParentType, ContextType>;
  rle?: Resolver<ResolversTypes['Rle'], ParentType, ContextType>;
};

export type MutationResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  cancelSegmentation?: Resolver<ResolversTypes['Segmentation'], ParentType, ContextType, RequireFields<MutationCancelSegmentationArgs, 'id'>>;
  createApiKey?: Resolver<ResolversTypes['CreatedApiKey'], ParentType, ContextType, RequireFields<MutationCreateApiKeyArgs, 'name' | 'scopes' | 'tenantId'>>;
  createTenant?: Resolver<ResolversTypes['Tenant'], ParentType, ContextType, RequireFields<MutationCreateTenantArgs, 'name'>>;
  deleteImage?: Resolver<ResolversTypes['DeletedImage'], ParentType, ContextType, RequireFields<MutationDeleteImageArgs, 'id'>>;
  revokeApiKey?: Resolver<ResolversTypes['ApiKey'], ParentType, ContextType, RequireFields<MutationRevokeApiKeyArgs, 'id' | 'tenantId'>>;
  segment?: Resolver<Array<ResolversTypes['Segmentation']>, ParentType, ContextType, RequireFields<MutationSegmentArgs, 'expressions' | 'imageId'>>;
  setImageRetention?: Resolver<ResolversTypes['Tenant'], ParentType, ContextType, RequireFields<MutationSetImageRetentionArgs, 'tenantId'>>;
  updateTenantQuotas?: Resolver<ResolversTypes['Tenant'], ParentType, ContextType, RequireFields<MutationUpdateTenantQuotasArgs, 'quotas' | 'tenantId'>>;
};

export type PageInfoResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = {
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
};

export type QueryResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  image?: Resolver<ResolversTypes['Image'], ParentType, ContextType, RequireFields<QueryImageArgs, 'id'>>;
  images?: Resolver<ResolversTypes['ImageConnection'], ParentType, ContextType, RequireFields<QueryImagesArgs, 'first'>>;
  me?: Resolver<ResolversTypes['Caller'], ParentType, ContextType>;
  segmentation?: Resolver<ResolversTypes['Segmentation'], ParentType, ContextType, RequireFields<QuerySegmentationArgs, 'id'>>;
  segmentations?: Resolver<ResolversTypes['SegmentationConnection'], ParentType, ContextType, RequireFields<QuerySegmentationsArgs, 'first'>>;
  tenant?: Resolver<ResolversTypes['Tenant'], ParentType, ContextType, RequireFields<QueryTenantArgs, 'id'>>;
  tenants?: Resolver<Array<ResolversTypes['Tenant']>, ParentType, ContextType>;
  usage?: Resolver<ResolversTypes['UsageReport'], ParentType, ContextType, RequireFields<QueryUsageArgs, 'from' | 'granularity' | 'to'>>;
  waitForSegmentations?: Resolver<Array<ResolversTypes['Segmentation']>, ParentType, ContextType, RequireFields<QueryWaitForSegmentationsArgs, 'ids' | 'timeoutSeconds'>>;
  workerPool?: Resolver<ResolversTypes['WorkerPoolState'], ParentType, ContextType>;
};

export type QueueDepthResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['QueueDepth'] = ResolversParentTypes['QueueDepth']> = {
  cancelled?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  failed?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  queued?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  running?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  succeeded?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type QuotasResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Quotas'] = ResolversParentTypes['Quotas']> = {
  maxImageBytes?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  maxImagePixels?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  maxStorageBytes?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  monthlyExpressionQuota?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  rateLimitPerMinute?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type RleResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Rle'] = ResolversParentTypes['Rle']> = {
  counts?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  size?: Resolver<Array<ResolversTypes['Int']>, ParentType, ContextType>;
};

export type SegmentationResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Segmentation'] = ResolversParentTypes['Segmentation']> = {
  attempts?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  attentionMapPng?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  error?: Resolver<Maybe<ResolversTypes['SegmentationError']>, ParentType, ContextType>;
  expression?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  finishedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  gpuMs?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  idempotencyKey?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  image?: Resolver<ResolversTypes['Image'], ParentType, ContextType>;
  mask?: Resolver<Maybe<ResolversTypes['Mask']>, ParentType, ContextType>;
  options?: Resolver<ResolversTypes['JSON'], ParentType, ContextType>;
  rootWord?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  score?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  scores?: Resolver<Maybe<ResolversTypes['JSON']>, ParentType, ContextType>;
  startedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['SegmentationStatus'], ParentType, ContextType>;
  timingsMs?: Resolver<Maybe<ResolversTypes['JSON']>, ParentType, ContextType>;
  worker?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type SegmentationConnectionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['SegmentationConnection'] = ResolversParentTypes['SegmentationConnection']> = {
  edges?: Resolver<Array<ResolversTypes['SegmentationEdge']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type SegmentationEdgeResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['SegmentationEdge'] = ResolversParentTypes['SegmentationEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Segmentation'], ParentType, ContextType>;
};

export type SegmentationErrorResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['SegmentationError'] = ResolversParentTypes['SegmentationError']> = {
  code?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  message?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
};

export type SubscriptionResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Subscription'] = ResolversParentTypes['Subscription']> = {
  segmentationUpdated?: SubscriptionResolver<ResolversTypes['Segmentation'], "segmentationUpdated", ParentType, ContextType, RequireFields<SubscriptionSegmentationUpdatedArgs, 'ids'>>;
  segmentationsUpdated?: SubscriptionResolver<ResolversTypes['Segmentation'], "segmentationsUpdated", ParentType, ContextType, RequireFields<SubscriptionSegmentationsUpdatedArgs, 'imageId'>>;
};

export type TenantResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['Tenant'] = ResolversParentTypes['Tenant']> = {
  apiKeys?: Resolver<Array<ResolversTypes['ApiKey']>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  imageRetentionDays?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  quotas?: Resolver<ResolversTypes['Quotas'], ParentType, ContextType>;
};

export interface UInt32ScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['UInt32'], any> {
  name: 'UInt32';
}

export type UsagePointResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['UsagePoint'] = ResolversParentTypes['UsagePoint']> = {
  bucket?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  expressions?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  failures?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  gpuMs?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  images?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  requests?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type UsageReportResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['UsageReport'] = ResolversParentTypes['UsageReport']> = {
  from?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  granularity?: Resolver<ResolversTypes['Granularity'], ParentType, ContextType>;
  series?: Resolver<Array<ResolversTypes['UsagePoint']>, ParentType, ContextType>;
  to?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  totals?: Resolver<ResolversTypes['UsageTotals'], ParentType, ContextType>;
};

export type UsageTotalsResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['UsageTotals'] = ResolversParentTypes['UsageTotals']> = {
  expressions?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  failures?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  gpuMs?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  images?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  requests?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
};

export type WorkerCacheResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['WorkerCache'] = ResolversParentTypes['WorkerCache']> = {
  bytes?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  capacityBytes?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  entries?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  hitRate?: Resolver<Maybe<ResolversTypes['Float']>, ParentType, ContextType>;
  hits?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  misses?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
};

export type WorkerPoolStateResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['WorkerPoolState'] = ResolversParentTypes['WorkerPoolState']> = {
  queue?: Resolver<ResolversTypes['QueueDepth'], ParentType, ContextType>;
  workers?: Resolver<Array<ResolversTypes['WorkerState']>, ParentType, ContextType>;
};

export type WorkerStateResolvers<ContextType = GraphQLContext, ParentType extends ResolversParentTypes['WorkerState'] = ResolversParentTypes['WorkerState']> = {
  cache?: Resolver<Maybe<ResolversTypes['WorkerCache']>, ParentType, ContextType>;
  healthy?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  inFlight?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  lastCheckedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  lastError?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  maxConcurrent?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  packName?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  queueDepth?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  target?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  version?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
};

export type Resolvers<ContextType = GraphQLContext> = {
  ApiKey?: ApiKeyResolvers<ContextType>;
  Caller?: CallerResolvers<ContextType>;
  CreatedApiKey?: CreatedApiKeyResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  DeletedImage?: DeletedImageResolvers<ContextType>;
  Image?: ImageResolvers<ContextType>;
  ImageConnection?: ImageConnectionResolvers<ContextType>;
  ImageEdge?: ImageEdgeResolvers<ContextType>;
  JSON?: GraphQLScalarType;
  Mask?: MaskResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  QueueDepth?: QueueDepthResolvers<ContextType>;
  Quotas?: QuotasResolvers<ContextType>;
  Rle?: RleResolvers<ContextType>;
  Segmentation?: SegmentationResolvers<ContextType>;
  SegmentationConnection?: SegmentationConnectionResolvers<ContextType>;
  SegmentationEdge?: SegmentationEdgeResolvers<ContextType>;
  SegmentationError?: SegmentationErrorResolvers<ContextType>;
  Subscription?: SubscriptionResolvers<ContextType>;
  Tenant?: TenantResolvers<ContextType>;
  UInt32?: GraphQLScalarType;
  UsagePoint?: UsagePointResolvers<ContextType>;
  UsageReport?: UsageReportResolvers<ContextType>;
  UsageTotals?: UsageTotalsResolvers<ContextType>;
  WorkerCache?: WorkerCacheResolvers<ContextType>;
  WorkerPoolState?: WorkerPoolStateResolvers<ContextType>;
  WorkerState?: WorkerStateResolvers<ContextType>;
};

