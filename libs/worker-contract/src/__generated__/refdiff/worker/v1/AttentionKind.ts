// Original file: ../../proto/refdiff/worker/v1/worker.proto

export const AttentionKind = {
  ATTENTION_KIND_UNSPECIFIED: 'ATTENTION_KIND_UNSPECIFIED',
  ATTENTION_KIND_LOGITS: 'ATTENTION_KIND_LOGITS',
  ATTENTION_KIND_PROBS: 'ATTENTION_KIND_PROBS',
} as const;

export type AttentionKind =
  | 'ATTENTION_KIND_UNSPECIFIED'
  | 0
  | 'ATTENTION_KIND_LOGITS'
  | 1
  | 'ATTENTION_KIND_PROBS'
  | 2

export type AttentionKind__Output = typeof AttentionKind[keyof typeof AttentionKind]
