// Original file: switchyard/payments/v1/payments.proto


export interface Card {
  'number'?: (string);
  'expiry'?: (string);
  'cvc'?: (string);
}

export interface Card__Output {
  'number': (string);
  'expiry': (string);
  'cvc': (string);
}
