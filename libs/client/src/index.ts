export {
  createRefdiffClient,
  FINAL_STATUSES,
  type DeletedImage,
  type ImageFilter,
  type ImagePage,
  type RefdiffClient,
  type RefdiffClientOptions,
  type Segmentation,
  type SegmentationStatus,
  type SegmentOptionsInput,
  type UploadedImage,
} from './client';
export { ERROR_CODES, isRefdiffError, RefdiffError, type RefdiffErrorCode } from './client.errors';
export * as documents from './__generated__/graphql';
