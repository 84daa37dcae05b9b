// Original file: switchyard/catalog/v1/catalog.proto

export const ReservationStatus = {
  RESERVATION_STATUS_UNSPECIFIED: 'RESERVATION_STATUS_UNSPECIFIED',
  RESERVATION_STATUS_RESERVED: 'RESERVATION_STATUS_RESERVED',
  RESERVATION_STATUS_RELEASED: 'RESERVATION_STATUS_RELEASED',
} as const;

export type ReservationStatus =
  | 'RESERVATION_STATUS_UNSPECIFIED'
  | 0
  | 'RESERVATION_STATUS_RESERVED'
  | 1
  | 'RESERVATION_STATUS_RELEASED'
  | 2

export type ReservationStatus__Output = typeof ReservationStatus[keyof typeof ReservationStatus]
