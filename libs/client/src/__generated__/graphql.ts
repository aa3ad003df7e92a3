/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
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

export type ClipResolution =
  /** both branches on the pack's fixed 224² square */
  | 'FIXED'
  /** the soft branch on the whole image at its own size, the hard branch on crops with their short side at 224 */
  | 'FULL';

/** A discriminative branch: HARD = the masked crop f(x⊙M), SOFT = the masked attention f_M(x⊙P). */
export type DiscriminativeBranch =
  | 'HARD'
  | 'SOFT';

export type FusionWeightsInput = {
  generative: number;
  hard: number;
  soft: number;
};

export type ImageFilter = {
  /** created at or after this instant */
  createdAfter?: string | null | undefined;
  /** created before this instant */
  createdBefore?: string | null | undefined;
  format?: Array<ImageFormat> | null | undefined;
  /** the image with these bytes (64 lowercase hex digits) */
  sha256?: string | null | undefined;
};

export type ImageFormat =
  | 'JPEG'
  | 'PNG'
  | 'WEBP';

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

/**
 * Method options; anything left out takes the preset's value. Every field is checked at `segment` time by the
 * validation the worker shares (bounds and each preset's value: docs/options.md); a bad value is BAD_USER_INPUT
 * naming the field (`extensions.issues: [{ field, message }]`) and nothing is queued or counted.
 */
export type SegmentOptionsInput = {
  /** paper fusion s = α·s_G + (1−α)·s_D, [0, 1] */
  alpha?: number | null | undefined;
  attentionKind?: AttentionKind | null | undefined;
  /** 1, 2, 4 or 8 */
  attentionLevel?: number | null | undefined;
  /** paper fusion s_D = β·soft + (1−β)·hard, [0, 1] */
  beta?: number | null | undefined;
  /** the branch the positional bias multiplies */
  biasBranch?: DiscriminativeBranch | null | undefined;
  /** longest side of a full-resolution CLIP input, [the pack's CLIP size, 4096] */
  clipMaxSide?: number | null | undefined;
  /** CLIP input resolution; FULL needs a pack whose CLIP takes any size */
  clipResolution?: ClipResolution | null | undefined;
  /** fusion family: PAPER (alpha, beta) or REFERENCE (weights) */
  fusion?: Preset | null | undefined;
  /** [1, 50] */
  guidanceScale?: number | null | undefined;
  /** text target of the hard branch */
  hardText?: TextWeightsInput | null | undefined;
  /** side of the square fed to SD: a multiple of 64 in [64, 2048] (default: the pack's) */
  imageSize?: number | null | undefined;
  /** CLIP layer the soft branch reads: 1-based, negative from the end (−1 = last); |v| ≤ the pack's layers */
  maskedLayer?: number | null | undefined;
  /** proposals of at most this many pixels are filtered, ≥ 0 (overrides minAreaRatio) */
  minArea?: number | null | undefined;
  /** proposals of at most this share of the image are filtered, [0, 1) */
  minAreaRatio?: number | null | undefined;
  positionalBias?: PositionalBias | null | undefined;
  preset?: Preset | null | undefined;
  proposals?: ProposalSource | null | undefined;
  /** Also return the attention heat map of each expression (Segmentation.attentionMapPng). */
  returnAttention?: boolean | null | undefined;
  /** 0…4294967295 */
  seed?: number | null | undefined;
  /** text target of the soft branch */
  softText?: TextWeightsInput | null | undefined;
  /** DDIM steps, [2, 1000]; ⌊strength·steps⌋ must be 1…8 */
  steps?: number | null | undefined;
  /** (0, 1); ⌊strength·steps⌋ UNet passes, 1…8 */
  strength?: number | null | undefined;
  thresholdMode?: ThresholdMode | null | undefined;
  /** SAM proposals kept, [1, 1000] */
  topK?: number | null | undefined;
  /** reference fusion weights, each [0, 100], not all 0 */
  weights?: FusionWeightsInput | null | undefined;
};

export type SegmentationStatus =
  | 'CANCELLED'
  | 'FAILED'
  | 'QUEUED'
  | 'RUNNING'
  | 'SUCCEEDED';

/** Weights of (sentence, root word) in a discriminative branch's text target; each in [0, 1], not both 0. */
export type TextWeightsInput = {
  root: number;
  sentence: number;
};

export type ThresholdMode =
  | 'QUANTILE'
  | 'VALUE';

export type SegmentationResultFragment = { id: string, expression: string, status: SegmentationStatus, attempts: number, worker: string | null, score: number | null, rootWord: string | null, gpuMs: number | null, attentionMapPng: string | null, createdAt: string, startedAt: string | null, finishedAt: string | null, error: { code: string, message: string } | null, mask: { box: Array<number>, area: number, rle: { size: Array<number>, counts: string } } | null, image: { id: string, width: number, height: number } };

export type MeQueryVariables = Exact<{ [key: string]: never; }>;


export type MeQuery = { me: { tenantId: string, keyId: string, scopes: Array<ApiKeyScope> } };

export type SegmentMutationVariables = Exact<{
  imageId: string;
  expressions: Array<string> | string;
  options?: SegmentOptionsInput | null | undefined;
  idempotencyKey?: string | null | undefined;
  waitSeconds?: number | null | undefined;
}>;


export type SegmentMutation = { segment: Array<{ id: string, expression: string, status: SegmentationStatus, attempts: number, worker: string | null, score: number | null, rootWord: string | null, gpuMs: number | null, attentionMapPng: string | null, createdAt: string, startedAt: string | null, finishedAt: string | null, error: { code: string, message: string } | null, mask: { box: Array<number>, area: number, rle: { size: Array<number>, counts: string } } | null, image: { id: string, width: number, height: number } }> };

export type SegmentationQueryVariables = Exact<{
  id: string;
}>;


export type SegmentationQuery = { segmentation: { id: string, expression: string, status: SegmentationStatus, attempts: number, worker: string | null, score: number | null, rootWord: string | null, gpuMs: number | null, attentionMapPng: string | null, createdAt: string, startedAt: string | null, finishedAt: string | null, error: { code: string, message: string } | null, mask: { box: Array<number>, area: number, rle: { size: Array<number>, counts: string } } | null, image: { id: string, width: number, height: number } } };

export type WaitForSegmentationsQueryVariables = Exact<{
  ids: Array<string> | string;
  timeoutSeconds?: number | null | undefined;
}>;


export type WaitForSegmentationsQuery = { waitForSegmentations: Array<{ id: string, expression: string, status: SegmentationStatus, attempts: number, worker: string | null, score: number | null, rootWord: string | null, gpuMs: number | null, attentionMapPng: string | null, createdAt: string, startedAt: string | null, finishedAt: string | null, error: { code: string, message: string } | null, mask: { box: Array<number>, area: number, rle: { size: Array<number>, counts: string } } | null, image: { id: string, width: number, height: number } }> };

export type CancelSegmentationMutationVariables = Exact<{
  id: string;
}>;


export type CancelSegmentationMutation = { cancelSegmentation: { id: string, expression: string, status: SegmentationStatus, attempts: number, worker: string | null, score: number | null, rootWord: string | null, gpuMs: number | null, attentionMapPng: string | null, createdAt: string, startedAt: string | null, finishedAt: string | null, error: { code: string, message: string } | null, mask: { box: Array<number>, area: number, rle: { size: Array<number>, counts: string } } | null, image: { id: string, width: number, height: number } } };

export type SegmentationUpdatedSubscriptionVariables = Exact<{
  ids: Array<string> | string;
}>;


export type SegmentationUpdatedSubscription = { segmentationUpdated: { id: string, expression: string, status: SegmentationStatus, attempts: number, worker: string | null, score: number | null, rootWord: string | null, gpuMs: number | null, attentionMapPng: string | null, createdAt: string, startedAt: string | null, finishedAt: string | null, error: { code: string, message: string } | null, mask: { box: Array<number>, area: number, rle: { size: Array<number>, counts: string } } | null, image: { id: string, width: number, height: number } } };

export type SegmentationsUpdatedSubscriptionVariables = Exact<{
  imageId: string;
}>;


export type SegmentationsUpdatedSubscription = { segmentationsUpdated: { id: string, expression: string, status: SegmentationStatus, attempts: number, worker: string | null, score: number | null, rootWord: string | null, gpuMs: number | null, attentionMapPng: string | null, createdAt: string, startedAt: string | null, finishedAt: string | null, error: { code: string, message: string } | null, mask: { box: Array<number>, area: number, rle: { size: Array<number>, counts: string } } | null, image: { id: string, width: number, height: number } } };

export type ImageInfoFragment = { id: string, sha256: string, format: ImageFormat, byteSize: number, width: number, height: number, createdAt: string };

export type ImagesQueryVariables = Exact<{
  first?: number | null | undefined;
  after?: string | null | undefined;
  filter?: ImageFilter | null | undefined;
}>;


export type ImagesQuery = { images: { totalCount: number, edges: Array<{ cursor: string, node: { id: string, sha256: string, format: ImageFormat, byteSize: number, width: number, height: number, createdAt: string } }>, pageInfo: { hasNextPage: boolean, endCursor: string | null } } };

export type DeleteImageMutationVariables = Exact<{
  id: string;
}>;


export type DeleteImageMutation = { deleteImage: { id: string, freedBytes: number, deletedSegmentations: number, cancelledSegmentations: number } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}
export const SegmentationResultFragmentDoc = new TypedDocumentString(`
    fragment SegmentationResult on Segmentation {
  id
  expression
  status
  attempts
  worker
  score
  rootWord
  gpuMs
  attentionMapPng
  error {
    code
    message
  }
  mask {
    box
    area
    rle {
      size
      counts
    }
  }
  image {
    id
    width
    height
  }
  createdAt
  startedAt
  finishedAt
}
    `, {"fragmentName":"SegmentationResult"}) as unknown as TypedDocumentString<SegmentationResultFragment, unknown>;
export const ImageInfoFragmentDoc = new TypedDocumentString(`
    fragment ImageInfo on Image {
  id
  sha256
  format
  byteSize
  width
  height
  createdAt
}
    `, {"fragmentName":"ImageInfo"}) as unknown as TypedDocumentString<ImageInfoFragment, unknown>;
export const MeDocument = new TypedDocumentString(`
    query Me {
  me {
    tenantId
    keyId
    scopes
  }
}
    `) as unknown as TypedDocumentString<MeQuery, MeQueryVariables>;
export const SegmentDocument = new TypedDocumentString(`
    mutation Segment($imageId: ID!, $expressions: [String!]!, $options: SegmentOptionsInput, $idempotencyKey: String, $waitSeconds: Int) {
  segment(
    imageId: $imageId
    expressions: $expressions
    options: $options
    idempotencyKey: $idempotencyKey
    waitSeconds: $waitSeconds
  ) {
    ...SegmentationResult
  }
}
    fragment SegmentationResult on Segmentation {
  id
  expression
  status
  attempts
  worker
  score
  rootWord
  gpuMs
  attentionMapPng
  error {
    code
    message
  }
  mask {
    box
    area
    rle {
      size
      counts
    }
  }
  image {
    id
    width
    height
  }
  createdAt
  startedAt
  finishedAt
}`) as unknown as TypedDocumentString<SegmentMutation, SegmentMutationVariables>;
export const SegmentationDocument = new TypedDocumentString(`
    query Segmentation($id: ID!) {
  segmentation(id: $id) {
    ...SegmentationResult
  }
}
    fragment SegmentationResult on Segmentation {
  id
  expression
  status
  attempts
  worker
  score
  rootWord
  gpuMs
  attentionMapPng
  error {
    code
    message
  }
  mask {
    box
    area
    rle {
      size
      counts
    }
  }
  image {
    id
    width
    height
  }
  createdAt
  startedAt
  finishedAt
}`) as unknown as TypedDocumentString<SegmentationQuery, SegmentationQueryVariables>;
export const WaitForSegmentationsDocument = new TypedDocumentString(`
    query WaitForSegmentations($ids: [ID!]!, $timeoutSeconds: Int) {
  waitForSegmentations(ids: $ids, timeoutSeconds: $timeoutSeconds) {
    ...SegmentationResult
  }
}
    fragment SegmentationResult on Segmentation {
  id
  expression
  status
  attempts
  worker
  score
  rootWord
  gpuMs
  attentionMapPng
  error {
    code
    message
  }
  mask {
    box
    area
    rle {
      size
      counts
    }
  }
  image {
    id
    width
    height
  }
  createdAt
  startedAt
  finishedAt
}`) as unknown as TypedDocumentString<WaitForSegmentationsQuery, WaitForSegmentationsQueryVariables>;
export const CancelSegmentationDocument = new TypedDocumentString(`
    mutation CancelSegmentation($id: ID!) {
  cancelSegmentation(id: $id) {
    ...SegmentationResult
  }
}
    fragment SegmentationResult on Segmentation {
  id
  expression
  status
  attempts
  worker
  score
  rootWord
  gpuMs
  attentionMapPng
  error {
    code
    message
  }
  mask {
    box
    area
    rle {
      size
      counts
    }
  }
  image {
    id
    width
    height
  }
  createdAt
  startedAt
  finishedAt
}`) as unknown as TypedDocumentString<CancelSegmentationMutation, CancelSegmentationMutationVariables>;
export const SegmentationUpdatedDocument = new TypedDocumentString(`
    subscription SegmentationUpdated($ids: [ID!]!) {
  segmentationUpdated(ids: $ids) {
    ...SegmentationResult
  }
}
    fragment SegmentationResult on Segmentation {
  id
  expression
  status
  attempts
  worker
  score
  rootWord
  gpuMs
  attentionMapPng
  error {
    code
    message
  }
  mask {
    box
    area
    rle {
      size
      counts
    }
  }
  image {
    id
    width
    height
  }
  createdAt
  startedAt
  finishedAt
}`) as unknown as TypedDocumentString<SegmentationUpdatedSubscription, SegmentationUpdatedSubscriptionVariables>;
export const SegmentationsUpdatedDocument = new TypedDocumentString(`
    subscription SegmentationsUpdated($imageId: ID!) {
  segmentationsUpdated(imageId: $imageId) {
    ...SegmentationResult
  }
}
    fragment SegmentationResult on Segmentation {
  id
  expression
  status
  attempts
  worker
  score
  rootWord
  gpuMs
  attentionMapPng
  error {
    code
    message
  }
  mask {
    box
    area
    rle {
      size
      counts
    }
  }
  image {
    id
    width
    height
  }
  createdAt
  startedAt
  finishedAt
}`) as unknown as TypedDocumentString<SegmentationsUpdatedSubscription, SegmentationsUpdatedSubscriptionVariables>;
export const ImagesDocument = new TypedDocumentString(`
    query Images($first: Int, $after: String, $filter: ImageFilter) {
  images(first: $first, after: $after, filter: $filter) {
    totalCount
    edges {
      cursor
      node {
        ...ImageInfo
      }
    }
    pageInfo {
      hasNextPage
      endCursor
    }
  }
}
    fragment ImageInfo on Image {
  id
  sha256
  format
  byteSize
  width
  height
  createdAt
}`) as unknown as TypedDocumentString<ImagesQuery, ImagesQueryVariables>;
export const DeleteImageDocument = new TypedDocumentString(`
    mutation DeleteImage($id: ID!) {
  deleteImage(id: $id) {
    id
    freedBytes
    deletedSegmentations
    cancelledSegmentations
  }
}
    `) as unknown as TypedDocumentString<DeleteImageMutation, DeleteImageMutationVariables>;