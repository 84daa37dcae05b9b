import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Card as _switchyard_payments_v1_Card, Card__Output as _switchyard_payments_v1_Card__Output } from './switchyard/payments/v1/Card.js';
import type { ChargeRequest as _switchyard_payments_v1_ChargeRequest, ChargeRequest__Output as _switchyard_payments_v1_ChargeRequest__Output } from './switchyard/payments/v1/ChargeRequest.js';
import type { GetPaymentRequest as _switchyard_payments_v1_GetPaymentRequest, GetPaymentRequest__Output as _switchyard_payments_v1_GetPaymentRequest__Output } from './switchyard/payments/v1/GetPaymentRequest.js';
import type { Payment as _switchyard_payments_v1_Payment, Payment__Output as _switchyard_payments_v1_Payment__Output } from './switchyard/payments/v1/Payment.js';
import type { PaymentsClient as _switchyard_payments_v1_PaymentsClient, PaymentsDefinition as _switchyard_payments_v1_PaymentsDefinition } from './switchyard/payments/v1/Payments.js';
import type { RefundRequest as _switchyard_payments_v1_RefundRequest, RefundRequest__Output as _switchyard_payments_v1_RefundRequest__Output } from './switchyard/payments/v1/RefundRequest.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  switchyard: {
    payments: {
      v1: {
        Card: MessageTypeDefinition<_switchyard_payments_v1_Card, _switchyard_payments_v1_Card__Output>
        ChargeRequest: MessageTypeDefinition<_switchyard_payments_v1_ChargeRequest, _switchyard_payments_v1_ChargeRequest__Output>
        GetPaymentRequest: MessageTypeDefinition<_switchyard_payments_v1_GetPaymentRequest, _switchyard_payments_v1_GetPaymentRequest__Output>
        Payment: MessageTypeDefinition<_switchyard_payments_v1_Payment, _switchyard_payments_v1_Payment__Output>
        PaymentStatus: EnumTypeDefinition
        Payments: SubtypeConstructor<typeof grpc.Client, _switchyard_payments_v1_PaymentsClient> & { service: _switchyard_payments_v1_PaymentsDefinition }
        RefundRequest: MessageTypeDefinition<_switchyard_payments_v1_RefundRequest, _switchyard_payments_v1_RefundRequest__Output>
      }
    }
  }
}

