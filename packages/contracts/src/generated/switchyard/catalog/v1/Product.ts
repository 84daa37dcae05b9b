// Original file: switchyard/catalog/v1/catalog.proto

import type { Long } from '@grpc/proto-loader';

export interface Product {
  'id'?: (string);
  'name'?: (string);
  'description'?: (string);
  'priceCents'?: (number | string | Long);
  'currency'?: (string);
  'stock'?: (number);
}

export interface Product__Output {
  'id': (string);
  'name': (string);
  'description': (string);
  'priceCents': (number);
  'currency': (string);
  'stock': (number);
}
