// Original file: ../../proto/refdiff/worker/v1/worker.proto

export const DiscriminativeBranch = {
  DISCRIMINATIVE_BRANCH_UNSPECIFIED: 'DISCRIMINATIVE_BRANCH_UNSPECIFIED',
  /**
   * masked crop f(x⊙M)
   */
  DISCRIMINATIVE_BRANCH_HARD: 'DISCRIMINATIVE_BRANCH_HARD',
  /**
   * masked attention f_M(x⊙P)
   */
  DISCRIMINATIVE_BRANCH_SOFT: 'DISCRIMINATIVE_BRANCH_SOFT',
} as const;

export type DiscriminativeBranch =
  | 'DISCRIMINATIVE_BRANCH_UNSPECIFIED'
  | 0
  /**
   * masked crop f(x⊙M)
   */
  | 'DISCRIMINATIVE_BRANCH_HARD'
  | 1
  /**
   * masked attention f_M(x⊙P)
   */
  | 'DISCRIMINATIVE_BRANCH_SOFT'
  | 2

export type DiscriminativeBranch__Output = typeof DiscriminativeBranch[keyof typeof DiscriminativeBranch]
