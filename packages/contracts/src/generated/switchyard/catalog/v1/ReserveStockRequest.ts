// Original file: switchyard/catalog/v1/catalog.proto

import type { StockLine as _switchyard_catalog_v1_StockLine, StockLine__Output as _switchyard_catalog_v1_StockLine__Output } from '../../../switchyard/catalog/v1/StockLine.js';
import type { Long } from '@grpc/proto-loader';

export interface ReserveStockRequest {
  'orderId'?: (string);
  'items'?: (_switchyard_catalog_v1_StockLine)[];
  'holdMs'?: (number | string | Long);
}

export interface ReserveStockRequest__Output {
  'orderId': (string);
  'items': (_switchyard_catalog_v1_StockLine__Output)[];
  'holdMs': (number);
}
