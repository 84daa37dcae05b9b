// Original file: switchyard/payments/v1/payments.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ChargeRequest as _switchyard_payments_v1_ChargeRequest, ChargeRequest__Output as _switchyard_payments_v1_ChargeRequest__Output } from '../../../switchyard/payments/v1/ChargeRequest.js';
import type { GetPaymentRequest as _switchyard_payments_v1_GetPaymentRequest, GetPaymentRequest__Output as _switchyard_payments_v1_GetPaymentRequest__Output } from '../../../switchyard/payments/v1/GetPaymentRequest.js';
import type { Payment as _switchyard_payments_v1_Payment, Payment__Output as _switchyard_payments_v1_Payment__Output } from '../../../switchyard/payments/v1/Payment.js';
import type { RefundRequest as _switchyard_payments_v1_RefundRequest, RefundRequest__Output as _switchyard_payments_v1_RefundRequest__Output } from '../../../switchyard/payments/v1/RefundRequest.js';

export interface PaymentsClient extends grpc.Client {
  Charge(argument: _switchyard_payments_v1_ChargeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_payments_v1_Payment__Output>): grpc.ClientUnaryCall;
  Charge(argument: _switchyard_payments_v1_ChargeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_payments_v1_Payment__Output>): grpc.ClientUnaryCall;
  Charge(argument: _switchyard_payments_v1_ChargeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_payments_v1_Payment__Output>): grpc.ClientUnaryCall;
  Charge(argument: _switchyard_payments_v1_ChargeRequest, callback: grpc.requestCallback<_switchyard_payments_v1_Payment__Output>): grpc.ClientUnaryCall;
  charge(argument: _switchyard_payments_v1_ChargeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_payments_v1_Payment__Output>): grpc.ClientUnaryCall;
  charge(argument: _switchyard_payments_v1_ChargeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_payments_v1_Payment__Output>): grpc.ClientUnaryCall;
  charge(argument: _switchyard_payments_v1_ChargeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_payments_v1_Payment__Output>): grpc.ClientUnaryCall;
  charge(argument: _switchyard_payments_v1_ChargeRequest, callback: grpc.requestCallback<_switchyard_payments_v1_Payment__Output>): grpc.ClientUnaryCall;
  
  GetPayment(argument: _switchyard_payments_v1_GetPaymentRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_payments_v1_Payment__Output>): grpc.ClientUnaryCall;
  GetPayment(argument: _switchyard_payments_v1_GetPaymentRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_payments_v1_Payment__Output>): grpc.ClientUnaryCall;
  GetPayment(argument: _switchyard_payments_v1_GetPaymentRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_payments_v1_Payment__Output>): grpc.ClientUnaryCall;
  GetPayment(argument: _switchyard_payments_v1_GetPaymentRequest, callback: grpc.requestCallback<_switchyard_payments_v1_Payment__Output>): grpc.ClientUnaryCall;
  getPayment(argument: _switchyard_payments_v1_GetPaymentRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_payments_v1_Payment__Output>): grpc.ClientUnaryCall;
  getPayment(argument: _switchyard_payments_v1_GetPaymentRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_payments_v1_Payment__Output>): grpc.ClientUnaryCall;
  getPayment(argument: _switchyard_payments_v1_GetPaymentRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_payments_v1_Payment__Output>): grpc.ClientUnaryCall;
  getPayment(argument: _switchyard_payments_v1_GetPaymentRequest, callback: grpc.requestCallback<_switchyard_payments_v1_Payment__Output>): grpc.ClientUnaryCall;
  
  Refund(argument: _switchyard_payments_v1_RefundRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_payments_v1_Payment__Output>): grpc.ClientUnaryCall;
  Refund(argument: _switchyard_payments_v1_RefundRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_payments_v1_Payment__Output>): grpc.ClientUnaryCall;
  Refund(argument: _switchyard_payments_v1_RefundRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_payments_v1_Payment__Output>): grpc.ClientUnaryCall;
  Refund(argument: _switchyard_payments_v1_RefundRequest, callback: grpc.requestCallback<_switchyard_payments_v1_Payment__Output>): grpc.ClientUnaryCall;
  refund(argument: _switchyard_payments_v1_RefundRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_payments_v1_Payment__Output>): grpc.ClientUnaryCall;
  refund(argument: _switchyard_payments_v1_RefundRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_payments_v1_Payment__Output>): grpc.ClientUnaryCall;
  refund(argument: _switchyard_payments_v1_RefundRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_payments_v1_Payment__Output>): grpc.ClientUnaryCall;
  refund(argument: _switchyard_payments_v1_RefundRequest, callback: grpc.requestCallback<_switchyard_payments_v1_Payment__Output>): grpc.ClientUnaryCall;
  
}

export interface PaymentsHandlers extends grpc.UntypedServiceImplementation {
  Charge: grpc.handleUnaryCall<_switchyard_payments_v1_ChargeRequest__Output, _switchyard_payments_v1_Payment>;
  
  GetPayment: grpc.handleUnaryCall<_switchyard_payments_v1_GetPaymentRequest__Output, _switchyard_payments_v1_Payment>;
  
  Refund: grpc.handleUnaryCall<_switchyard_payments_v1_RefundRequest__Output, _switchyard_payments_v1_Payment>;
  
}

export interface PaymentsDefinition extends grpc.ServiceDefinition {
  Charge: MethodDefinition<_switchyard_payments_v1_ChargeRequest, _switchyard_payments_v1_Payment, _switchyard_payments_v1_ChargeRequest__Output, _switchyard_payments_v1_Payment__Output>
  GetPayment: MethodDefinition<_switchyard_payments_v1_GetPaymentRequest, _switchyard_payments_v1_Payment, _switchyard_payments_v1_GetPaymentRequest__Output, _switchyard_payments_v1_Payment__Output>
  Refund: MethodDefinition<_switchyard_payments_v1_RefundRequest, _switchyard_payments_v1_Payment, _switchyard_payments_v1_RefundRequest__Output, _switchyard_payments_v1_Payment__Output>
}
