import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AttentionMap as _refdiff_worker_v1_AttentionMap, AttentionMap__Output as _refdiff_worker_v1_AttentionMap__Output } from './refdiff/worker/v1/AttentionMap';
import type { Box as _refdiff_worker_v1_Box, Box__Output as _refdiff_worker_v1_Box__Output } from './refdiff/worker/v1/Box';
import type { CacheStats as _refdiff_worker_v1_CacheStats, CacheStats__Output as _refdiff_worker_v1_CacheStats__Output } from './refdiff/worker/v1/CacheStats';
import type { Direction as _refdiff_worker_v1_Direction, Direction__Output as _refdiff_worker_v1_Direction__Output } from './refdiff/worker/v1/Direction';
import type { ExpressionError as _refdiff_worker_v1_ExpressionError, ExpressionError__Output as _refdiff_worker_v1_ExpressionError__Output } from './refdiff/worker/v1/ExpressionError';
import type { ExpressionOutcome as _refdiff_worker_v1_ExpressionOutcome, ExpressionOutcome__Output as _refdiff_worker_v1_ExpressionOutcome__Output } from './refdiff/worker/v1/ExpressionOutcome';
import type { ExpressionResult as _refdiff_worker_v1_ExpressionResult, ExpressionResult__Output as _refdiff_worker_v1_ExpressionResult__Output } from './refdiff/worker/v1/ExpressionResult';
import type { FusionWeights as _refdiff_worker_v1_FusionWeights, FusionWeights__Output as _refdiff_worker_v1_FusionWeights__Output } from './refdiff/worker/v1/FusionWeights';
import type { GetInfoRequest as _refdiff_worker_v1_GetInfoRequest, GetInfoRequest__Output as _refdiff_worker_v1_GetInfoRequest__Output } from './refdiff/worker/v1/GetInfoRequest';
import type { GetInfoResponse as _refdiff_worker_v1_GetInfoResponse, GetInfoResponse__Output as _refdiff_worker_v1_GetInfoResponse__Output } from './refdiff/worker/v1/GetInfoResponse';
import type { GetTokenizerRequest as _refdiff_worker_v1_GetTokenizerRequest, GetTokenizerRequest__Output as _refdiff_worker_v1_GetTokenizerRequest__Output } from './refdiff/worker/v1/GetTokenizerRequest';
import type { GetTokenizerResponse as _refdiff_worker_v1_GetTokenizerResponse, GetTokenizerResponse__Output as _refdiff_worker_v1_GetTokenizerResponse__Output } from './refdiff/worker/v1/GetTokenizerResponse';
import type { ImageInfo as _refdiff_worker_v1_ImageInfo, ImageInfo__Output as _refdiff_worker_v1_ImageInfo__Output } from './refdiff/worker/v1/ImageInfo';
import type { Mask as _refdiff_worker_v1_Mask, Mask__Output as _refdiff_worker_v1_Mask__Output } from './refdiff/worker/v1/Mask';
import type { Overrides as _refdiff_worker_v1_Overrides, Overrides__Output as _refdiff_worker_v1_Overrides__Output } from './refdiff/worker/v1/Overrides';
import type { PackLimits as _refdiff_worker_v1_PackLimits, PackLimits__Output as _refdiff_worker_v1_PackLimits__Output } from './refdiff/worker/v1/PackLimits';
import type { ProposalScore as _refdiff_worker_v1_ProposalScore, ProposalScore__Output as _refdiff_worker_v1_ProposalScore__Output } from './refdiff/worker/v1/ProposalScore';
import type { Rle as _refdiff_worker_v1_Rle, Rle__Output as _refdiff_worker_v1_Rle__Output } from './refdiff/worker/v1/Rle';
import type { RootWord as _refdiff_worker_v1_RootWord, RootWord__Output as _refdiff_worker_v1_RootWord__Output } from './refdiff/worker/v1/RootWord';
import type { SegmentOptions as _refdiff_worker_v1_SegmentOptions, SegmentOptions__Output as _refdiff_worker_v1_SegmentOptions__Output } from './refdiff/worker/v1/SegmentOptions';
import type { SegmentRequest as _refdiff_worker_v1_SegmentRequest, SegmentRequest__Output as _refdiff_worker_v1_SegmentRequest__Output } from './refdiff/worker/v1/SegmentRequest';
import type { SegmentResponse as _refdiff_worker_v1_SegmentResponse, SegmentResponse__Output as _refdiff_worker_v1_SegmentResponse__Output } from './refdiff/worker/v1/SegmentResponse';
import type { SegmentationWorkerClient as _refdiff_worker_v1_SegmentationWorkerClient, SegmentationWorkerDefinition as _refdiff_worker_v1_SegmentationWorkerDefinition } from './refdiff/worker/v1/SegmentationWorker';
import type { TextWeights as _refdiff_worker_v1_TextWeights, TextWeights__Output as _refdiff_worker_v1_TextWeights__Output } from './refdiff/worker/v1/TextWeights';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  refdiff: {
    worker: {
      v1: {
        AttentionKind: EnumTypeDefinition
        AttentionMap: MessageTypeDefinition<_refdiff_worker_v1_AttentionMap, _refdiff_worker_v1_AttentionMap__Output>
        Box: MessageTypeDefinition<_refdiff_worker_v1_Box, _refdiff_worker_v1_Box__Output>
        CacheStats: MessageTypeDefinition<_refdiff_worker_v1_CacheStats, _refdiff_worker_v1_CacheStats__Output>
        ClipResolution: EnumTypeDefinition
        Direction: MessageTypeDefinition<_refdiff_worker_v1_Direction, _refdiff_worker_v1_Direction__Output>
        DirectionCue: EnumTypeDefinition
        DiscriminativeBranch: EnumTypeDefinition
        ExpressionError: MessageTypeDefinition<_refdiff_worker_v1_ExpressionError, _refdiff_worker_v1_ExpressionError__Output>
        ExpressionOutcome: MessageTypeDefinition<_refdiff_worker_v1_ExpressionOutcome, _refdiff_worker_v1_ExpressionOutcome__Output>
        ExpressionResult: MessageTypeDefinition<_refdiff_worker_v1_ExpressionResult, _refdiff_worker_v1_ExpressionResult__Output>
        FusionWeights: MessageTypeDefinition<_refdiff_worker_v1_FusionWeights, _refdiff_worker_v1_FusionWeights__Output>
        GetInfoRequest: MessageTypeDefinition<_refdiff_worker_v1_GetInfoRequest, _refdiff_worker_v1_GetInfoRequest__Output>
        GetInfoResponse: MessageTypeDefinition<_refdiff_worker_v1_GetInfoResponse, _refdiff_worker_v1_GetInfoResponse__Output>
        GetTokenizerRequest: MessageTypeDefinition<_refdiff_worker_v1_GetTokenizerRequest, _refdiff_worker_v1_GetTokenizerRequest__Output>
        GetTokenizerResponse: MessageTypeDefinition<_refdiff_worker_v1_GetTokenizerResponse, _refdiff_worker_v1_GetTokenizerResponse__Output>
        ImageInfo: MessageTypeDefinition<_refdiff_worker_v1_ImageInfo, _refdiff_worker_v1_ImageInfo__Output>
        Mask: MessageTypeDefinition<_refdiff_worker_v1_Mask, _refdiff_worker_v1_Mask__Output>
        Overrides: MessageTypeDefinition<_refdiff_worker_v1_Overrides, _refdiff_worker_v1_Overrides__Output>
        PackLimits: MessageTypeDefinition<_refdiff_worker_v1_PackLimits, _refdiff_worker_v1_PackLimits__Output>
        PositionalBias: EnumTypeDefinition
        Preset: EnumTypeDefinition
        ProposalScore: MessageTypeDefinition<_refdiff_worker_v1_ProposalScore, _refdiff_worker_v1_ProposalScore__Output>
        ProposalSource: EnumTypeDefinition
        Rle: MessageTypeDefinition<_refdiff_worker_v1_Rle, _refdiff_worker_v1_Rle__Output>
        RootWord: MessageTypeDefinition<_refdiff_worker_v1_RootWord, _refdiff_worker_v1_RootWord__Output>
        SegmentOptions: MessageTypeDefinition<_refdiff_worker_v1_SegmentOptions, _refdiff_worker_v1_SegmentOptions__Output>
        SegmentRequest: MessageTypeDefinition<_refdiff_worker_v1_SegmentRequest, _refdiff_worker_v1_SegmentRequest__Output>
        SegmentResponse: MessageTypeDefinition<_refdiff_worker_v1_SegmentResponse, _refdiff_worker_v1_SegmentResponse__Output>
        SegmentationWorker: SubtypeConstructor<typeof grpc.Client, _refdiff_worker_v1_SegmentationWorkerClient> & { service: _refdiff_worker_v1_SegmentationWorkerDefinition }
        TextWeights: MessageTypeDefinition<_refdiff_worker_v1_TextWeights, _refdiff_worker_v1_TextWeights__Output>
        ThresholdMode: EnumTypeDefinition
      }
    }
  }
}

