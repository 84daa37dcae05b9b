// Original file: switchyard/payments/v1/payments.proto

import type { Card as _switchyard_payments_v1_Card, Card__Output as _switchyard_payments_v1_Card__Output } from '../../../switchyard/payments/v1/Card.js';
import type { Long } from '@grpc/proto-loader';

export interface ChargeRequest {
  'orderId'?: (string);
  'amountCents'?: (number | string | Long);
  'currency'?: (string);
  'card'?: (_switchyard_payments_v1_Card | null);
}

export interface ChargeRequest__Output {
  'orderId': (string);
  'amountCents': (number);
  'currency': (string);
  'card': (_switchyard_payments_v1_Card__Output | null);
}
