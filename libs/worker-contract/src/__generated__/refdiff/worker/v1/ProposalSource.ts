// Original file: ../../proto/refdiff/worker/v1/worker.proto

export const ProposalSource = {
  /**
   * the preset's choice
   */
  PROPOSAL_SOURCE_UNSPECIFIED: 'PROPOSAL_SOURCE_UNSPECIFIED',
  PROPOSAL_SOURCE_SAM: 'PROPOSAL_SOURCE_SAM',
  PROPOSAL_SOURCE_WEIGHT_FREE: 'PROPOSAL_SOURCE_WEIGHT_FREE',
} as const;

export type ProposalSource =
  /**
   * the preset's choice
   */
  | 'PROPOSAL_SOURCE_UNSPECIFIED'
  | 0
  | 'PROPOSAL_SOURCE_SAM'
  | 1
  | 'PROPOSAL_SOURCE_WEIGHT_FREE'
  | 2

export type ProposalSource__Output = typeof ProposalSource[keyof typeof ProposalSource]
