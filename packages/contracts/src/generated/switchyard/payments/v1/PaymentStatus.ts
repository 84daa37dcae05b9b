// Original file: switchyard/payments/v1/payments.proto

export const PaymentStatus = {
  PAYMENT_STATUS_UNSPECIFIED: 'PAYMENT_STATUS_UNSPECIFIED',
  PAYMENT_STATUS_SUCCEEDED: 'PAYMENT_STATUS_SUCCEEDED',
  PAYMENT_STATUS_REFUNDED: 'PAYMENT_STATUS_REFUNDED',
} as const;

export type PaymentStatus =
  | 'PAYMENT_STATUS_UNSPECIFIED'
  | 0
  | 'PAYMENT_STATUS_SUCCEEDED'
  | 1
  | 'PAYMENT_STATUS_REFUNDED'
  | 2

export type PaymentStatus__Output = typeof PaymentStatus[keyof typeof PaymentStatus]
