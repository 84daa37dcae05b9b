// Original file: switchyard/catalog/v1/catalog.proto


export interface ReleaseStockRequest {
  'orderId'?: (string);
}

export interface ReleaseStockRequest__Output {
  'orderId': (string);
}
