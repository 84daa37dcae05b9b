// Original file: switchyard/payments/v1/payments.proto


export interface GetPaymentRequest {
  'orderId'?: (string);
}

export interface GetPaymentRequest__Output {
  'orderId': (string);
}
