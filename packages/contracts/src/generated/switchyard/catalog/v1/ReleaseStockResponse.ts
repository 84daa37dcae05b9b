// Original file: switchyard/catalog/v1/catalog.proto

import type { ReleaseOutcome as _switchyard_catalog_v1_ReleaseOutcome, ReleaseOutcome__Output as _switchyard_catalog_v1_ReleaseOutcome__Output } from '../../../switchyard/catalog/v1/ReleaseOutcome.js';
import type { StockLine as _switchyard_catalog_v1_StockLine, StockLine__Output as _switchyard_catalog_v1_StockLine__Output } from '../../../switchyard/catalog/v1/StockLine.js';

export interface ReleaseStockResponse {
  'outcome'?: (_switchyard_catalog_v1_ReleaseOutcome);
  'items'?: (_switchyard_catalog_v1_StockLine)[];
}

export interface ReleaseStockResponse__Output {
  'outcome': (_switchyard_catalog_v1_ReleaseOutcome__Output);
  'items': (_switchyard_catalog_v1_StockLine__Output)[];
}
