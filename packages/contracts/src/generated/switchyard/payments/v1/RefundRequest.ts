// Original file: switchyard/payments/v1/payments.proto


export interface RefundRequest {
  'orderId'?: (string);
}

export interface RefundRequest__Output {
  'orderId': (string);
}
