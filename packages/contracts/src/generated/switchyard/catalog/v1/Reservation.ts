// Original file: switchyard/catalog/v1/catalog.proto

import type { StockLine as _switchyard_catalog_v1_StockLine, StockLine__Output as _switchyard_catalog_v1_StockLine__Output } from '../../../switchyard/catalog/v1/StockLine.js';
import type { ReservationStatus as _switchyard_catalog_v1_ReservationStatus, ReservationStatus__Output as _switchyard_catalog_v1_ReservationStatus__Output } from '../../../switchyard/catalog/v1/ReservationStatus.js';

export interface Reservation {
  'orderId'?: (string);
  'items'?: (_switchyard_catalog_v1_StockLine)[];
  'status'?: (_switchyard_catalog_v1_ReservationStatus);
  'expiresAt'?: (string);
}

export interface Reservation__Output {
  'orderId': (string);
  'items': (_switchyard_catalog_v1_StockLine__Output)[];
  'status': (_switchyard_catalog_v1_ReservationStatus__Output);
  'expiresAt': (string);
}
