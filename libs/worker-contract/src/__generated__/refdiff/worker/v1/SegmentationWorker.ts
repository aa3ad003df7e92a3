// Original file: ../../proto/refdiff/worker/v1/worker.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetInfoRequest as _refdiff_worker_v1_GetInfoRequest, GetInfoRequest__Output as _refdiff_worker_v1_GetInfoRequest__Output } from '../../../refdiff/worker/v1/GetInfoRequest';
import type { GetInfoResponse as _refdiff_worker_v1_GetInfoResponse, GetInfoResponse__Output as _refdiff_worker_v1_GetInfoResponse__Output } from '../../../refdiff/worker/v1/GetInfoResponse';
import type { GetTokenizerRequest as _refdiff_worker_v1_GetTokenizerRequest, GetTokenizerRequest__Output as _refdiff_worker_v1_GetTokenizerRequest__Output } from '../../../refdiff/worker/v1/GetTokenizerRequest';
import type { GetTokenizerResponse as _refdiff_worker_v1_GetTokenizerResponse, GetTokenizerResponse__Output as _refdiff_worker_v1_GetTokenizerResponse__Output } from '../../../refdiff/worker/v1/GetTokenizerResponse';
import type { SegmentRequest as _refdiff_worker_v1_SegmentRequest, SegmentRequest__Output as _refdiff_worker_v1_SegmentRequest__Output } from '../../../refdiff/worker/v1/SegmentRequest';
import type { SegmentResponse as _refdiff_worker_v1_SegmentResponse, SegmentResponse__Output as _refdiff_worker_v1_SegmentResponse__Output } from '../../../refdiff/worker/v1/SegmentResponse';

export interface SegmentationWorkerClient extends grpc.Client {
  /**
   * What this worker serves and how busy it is.
   */
  GetInfo(argument: _refdiff_worker_v1_GetInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_refdiff_worker_v1_GetInfoResponse__Output>): grpc.ClientUnaryCall;
  GetInfo(argument: _refdiff_worker_v1_GetInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_refdiff_worker_v1_GetInfoResponse__Output>): grpc.ClientUnaryCall;
  GetInfo(argument: _refdiff_worker_v1_GetInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_refdiff_worker_v1_GetInfoResponse__Output>): grpc.ClientUnaryCall;
  GetInfo(argument: _refdiff_worker_v1_GetInfoRequest, callback: grpc.requestCallback<_refdiff_worker_v1_GetInfoResponse__Output>): grpc.ClientUnaryCall;
  /**
   * What this worker serves and how busy it is.
   */
  getInfo(argument: _refdiff_worker_v1_GetInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_refdiff_worker_v1_GetInfoResponse__Output>): grpc.ClientUnaryCall;
  getInfo(argument: _refdiff_worker_v1_GetInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_refdiff_worker_v1_GetInfoResponse__Output>): grpc.ClientUnaryCall;
  getInfo(argument: _refdiff_worker_v1_GetInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_refdiff_worker_v1_GetInfoResponse__Output>): grpc.ClientUnaryCall;
  getInfo(argument: _refdiff_worker_v1_GetInfoRequest, callback: grpc.requestCallback<_refdiff_worker_v1_GetInfoResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The pack's tokenizer.json, so a caller can check expressions against the token limit exactly as the worker
   * will (the gateway does at `segment` time). Fetch it again when GetInfoResponse.pack_limits.tokenizer_sha256
   * changes.
   */
  GetTokenizer(argument: _refdiff_worker_v1_GetTokenizerRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_refdiff_worker_v1_GetTokenizerResponse__Output>): grpc.ClientUnaryCall;
  GetTokenizer(argument: _refdiff_worker_v1_GetTokenizerRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_refdiff_worker_v1_GetTokenizerResponse__Output>): grpc.ClientUnaryCall;
  GetTokenizer(argument: _refdiff_worker_v1_GetTokenizerRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_refdiff_worker_v1_GetTokenizerResponse__Output>): grpc.ClientUnaryCall;
  GetTokenizer(argument: _refdiff_worker_v1_GetTokenizerRequest, callback: grpc.requestCallback<_refdiff_worker_v1_GetTokenizerResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The pack's tokenizer.json, so a caller can check expressions against the token limit exactly as the worker
   * will (the gateway does at `segment` time). Fetch it again when GetInfoResponse.pack_limits.tokenizer_sha256
   * changes.
   */
  getTokenizer(argument: _refdiff_worker_v1_GetTokenizerRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_refdiff_worker_v1_GetTokenizerResponse__Output>): grpc.ClientUnaryCall;
  getTokenizer(argument: _refdiff_worker_v1_GetTokenizerRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_refdiff_worker_v1_GetTokenizerResponse__Output>): grpc.ClientUnaryCall;
  getTokenizer(argument: _refdiff_worker_v1_GetTokenizerRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_refdiff_worker_v1_GetTokenizerResponse__Output>): grpc.ClientUnaryCall;
  getTokenizer(argument: _refdiff_worker_v1_GetTokenizerRequest, callback: grpc.requestCallback<_refdiff_worker_v1_GetTokenizerResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * One image, one or more expressions; one outcome per expression, in request order.
   * 
   * Hash-first protocol (repeated requests on one image do not resend megabytes):
   * 1. The caller computes the sha256 of the encoded image bytes (lower-case hex) and sends `image_sha256` only.
   * 2. If the worker holds that image in its image cache, it answers normally.
   * 3. Otherwise it fails the call with FAILED_PRECONDITION and trailer `refdiff-error-code: IMAGE_NOT_CACHED`
   * before queueing any work; the caller resends the same request with `image_data` (the bytes).
   * Sending `image_data` directly is always allowed; the worker hashes it and caches the image-side state.
   */
  Segment(argument: _refdiff_worker_v1_SegmentRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_refdiff_worker_v1_SegmentResponse__Output>): grpc.ClientUnaryCall;
  Segment(argument: _refdiff_worker_v1_SegmentRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_refdiff_worker_v1_SegmentResponse__Output>): grpc.ClientUnaryCall;
  Segment(argument: _refdiff_worker_v1_SegmentRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_refdiff_worker_v1_SegmentResponse__Output>): grpc.ClientUnaryCall;
  Segment(argument: _refdiff_worker_v1_SegmentRequest, callback: grpc.requestCallback<_refdiff_worker_v1_SegmentResponse__Output>): grpc.ClientUnaryCall;
  /**
   * One image, one or more expressions; one outcome per expression, in request order.
   * 
   * Hash-first protocol (repeated requests on one image do not resend megabytes):
   * 1. The caller computes the sha256 of the encoded image bytes (lower-case hex) and sends `image_sha256` only.
   * 2. If the worker holds that image in its image cache, it answers normally.
   * 3. Otherwise it fails the call with FAILED_PRECONDITION and trailer `refdiff-error-code: IMAGE_NOT_CACHED`
   * before queueing any work; the caller resends the same request with `image_data` (the bytes).
   * Sending `image_data` directly is always allowed; the worker hashes it and caches the image-side state.
   */
  segment(argument: _refdiff_worker_v1_SegmentRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_refdiff_worker_v1_SegmentResponse__Output>): grpc.ClientUnaryCall;
  segment(argument: _refdiff_worker_v1_SegmentRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_refdiff_worker_v1_SegmentResponse__Output>): grpc.ClientUnaryCall;
  segment(argument: _refdiff_worker_v1_SegmentRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_refdiff_worker_v1_SegmentResponse__Output>): grpc.ClientUnaryCall;
  segment(argument: _refdiff_worker_v1_SegmentRequest, callback: grpc.requestCallback<_refdiff_worker_v1_SegmentResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface SegmentationWorkerHandlers extends grpc.UntypedServiceImplementation {
  /**
   * What this worker serves and how busy it is.
   */
  GetInfo: grpc.handleUnaryCall<_refdiff_worker_v1_GetInfoRequest__Output, _refdiff_worker_v1_GetInfoResponse>;
  
  /**
   * The pack's tokenizer.json, so a caller can check expressions against the token limit exactly as the worker
   * will (the gateway does at `segment` time). Fetch it again when GetInfoResponse.pack_limits.tokenizer_sha256
   * changes.
   */
  GetTokenizer: grpc.handleUnaryCall<_refdiff_worker_v1_GetTokenizerRequest__Output, _refdiff_worker_v1_GetTokenizerResponse>;
  
  /**
   * One image, one or more expressions; one outcome per expression, in request order.
   * 
   * Hash-first protocol (repeated requests on one image do not resend megabytes):
   * 1. The caller computes the sha256 of the encoded image bytes (lower-case hex) and sends `image_sha256` only.
   * 2. If the worker holds that image in its image cache, it answers normally.
   * 3. Otherwise it fails the call with FAILED_PRECONDITION and trailer `refdiff-error-code: IMAGE_NOT_CACHED`
   * before queueing any work; the caller resends the same request with `image_data` (the bytes).
   * Sending `image_data` directly is always allowed; the worker hashes it and caches the image-side state.
   */
  Segment: grpc.handleUnaryCall<_refdiff_worker_v1_SegmentRequest__Output, _refdiff_worker_v1_SegmentResponse>;
  
}

export interface SegmentationWorkerDefinition extends grpc.ServiceDefinition {
  GetInfo: MethodDefinition<_refdiff_worker_v1_GetInfoRequest, _refdiff_worker_v1_GetInfoResponse, _refdiff_worker_v1_GetInfoRequest__Output, _refdiff_worker_v1_GetInfoResponse__Output>
  GetTokenizer: MethodDefinition<_refdiff_worker_v1_GetTokenizerRequest, _refdiff_worker_v1_GetTokenizerResponse, _refdiff_worker_v1_GetTokenizerRequest__Output, _refdiff_worker_v1_GetTokenizerResponse__Output>
  Segment: MethodDefinition<_refdiff_worker_v1_SegmentRequest, _refdiff_worker_v1_SegmentResponse, _refdiff_worker_v1_SegmentRequest__Output, _refdiff_worker_v1_SegmentResponse__Output>
}
