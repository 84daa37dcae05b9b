// Original file: switchyard/payments/v1/payments.proto

import type { PaymentStatus as _switchyard_payments_v1_PaymentStatus, PaymentStatus__Output as _switchyard_payments_v1_PaymentStatus__Output } from '../../../switchyard/payments/v1/PaymentStatus.js';
import type { Long } from '@grpc/proto-loader';

export interface Payment {
  'id'?: (string);
  'orderId'?: (string);
  'amountCents'?: (number | string | Long);
  'currency'?: (string);
  'status'?: (_switchyard_payments_v1_PaymentStatus);
  'cardBrand'?: (string);
  'cardLast4'?: (string);
  'createdAt'?: (string);
}

export interface Payment__Output {
  'id': (string);
  'orderId': (string);
  'amountCents': (number);
  'currency': (string);
  'status': (_switchyard_payments_v1_PaymentStatus__Output);
  'cardBrand': (string);
  'cardLast4': (string);
  'createdAt': (string);
}
