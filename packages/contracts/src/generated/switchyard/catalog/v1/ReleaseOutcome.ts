// Original file: switchyard/catalog/v1/catalog.proto

export const ReleaseOutcome = {
  RELEASE_OUTCOME_UNSPECIFIED: 'RELEASE_OUTCOME_UNSPECIFIED',
  RELEASE_OUTCOME_RELEASED: 'RELEASE_OUTCOME_RELEASED',
  RELEASE_OUTCOME_ALREADY_RELEASED: 'RELEASE_OUTCOME_ALREADY_RELEASED',
} as const;

export type ReleaseOutcome =
  | 'RELEASE_OUTCOME_UNSPECIFIED'
  | 0
  | 'RELEASE_OUTCOME_RELEASED'
  | 1
  | 'RELEASE_OUTCOME_ALREADY_RELEASED'
  | 2

export type ReleaseOutcome__Output = typeof ReleaseOutcome[keyof typeof ReleaseOutcome]
