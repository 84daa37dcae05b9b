import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { CatalogClient as _switchyard_catalog_v1_CatalogClient, CatalogDefinition as _switchyard_catalog_v1_CatalogDefinition } from './switchyard/catalog/v1/Catalog.js';
import type { GetProductRequest as _switchyard_catalog_v1_GetProductRequest, GetProductRequest__Output as _switchyard_catalog_v1_GetProductRequest__Output } from './switchyard/catalog/v1/GetProductRequest.js';
import type { Product as _switchyard_catalog_v1_Product, Product__Output as _switchyard_catalog_v1_Product__Output } from './switchyard/catalog/v1/Product.js';
import type { ReleaseStockRequest as _switchyard_catalog_v1_ReleaseStockRequest, ReleaseStockRequest__Output as _switchyard_catalog_v1_ReleaseStockRequest__Output } from './switchyard/catalog/v1/ReleaseStockRequest.js';
import type { ReleaseStockResponse as _switchyard_catalog_v1_ReleaseStockResponse, ReleaseStockResponse__Output as _switchyard_catalog_v1_ReleaseStockResponse__Output } from './switchyard/catalog/v1/ReleaseStockResponse.js';
import type { Reservation as _switchyard_catalog_v1_Reservation, Reservation__Output as _switchyard_catalog_v1_Reservation__Output } from './switchyard/catalog/v1/Reservation.js';
import type { ReserveStockRequest as _switchyard_catalog_v1_ReserveStockRequest, ReserveStockRequest__Output as _switchyard_catalog_v1_ReserveStockRequest__Output } from './switchyard/catalog/v1/ReserveStockRequest.js';
import type { StockLine as _switchyard_catalog_v1_StockLine, StockLine__Output as _switchyard_catalog_v1_StockLine__Output } from './switchyard/catalog/v1/StockLine.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  switchyard: {
    catalog: {
      v1: {
        Catalog: SubtypeConstructor<typeof grpc.Client, _switchyard_catalog_v1_CatalogClient> & { service: _switchyard_catalog_v1_CatalogDefinition }
        GetProductRequest: MessageTypeDefinition<_switchyard_catalog_v1_GetProductRequest, _switchyard_catalog_v1_GetProductRequest__Output>
        Product: MessageTypeDefinition<_switchyard_catalog_v1_Product, _switchyard_catalog_v1_Product__Output>
        ReleaseOutcome: EnumTypeDefinition
        ReleaseStockRequest: MessageTypeDefinition<_switchyard_catalog_v1_ReleaseStockRequest, _switchyard_catalog_v1_ReleaseStockRequest__Output>
        ReleaseStockResponse: MessageTypeDefinition<_switchyard_catalog_v1_ReleaseStockResponse, _switchyard_catalog_v1_ReleaseStockResponse__Output>
        Reservation: MessageTypeDefinition<_switchyard_catalog_v1_Reservation, _switchyard_catalog_v1_Reservation__Output>
        ReservationStatus: EnumTypeDefinition
        ReserveStockRequest: MessageTypeDefinition<_switchyard_catalog_v1_ReserveStockRequest, _switchyard_catalog_v1_ReserveStockRequest__Output>
        StockLine: MessageTypeDefinition<_switchyard_catalog_v1_StockLine, _switchyard_catalog_v1_StockLine__Output>
      }
    }
  }
}

