// Original file: switchyard/catalog/v1/catalog.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetProductRequest as _switchyard_catalog_v1_GetProductRequest, GetProductRequest__Output as _switchyard_catalog_v1_GetProductRequest__Output } from '../../../switchyard/catalog/v1/GetProductRequest.js';
import type { Product as _switchyard_catalog_v1_Product, Product__Output as _switchyard_catalog_v1_Product__Output } from '../../../switchyard/catalog/v1/Product.js';
import type { ReleaseStockRequest as _switchyard_catalog_v1_ReleaseStockRequest, ReleaseStockRequest__Output as _switchyard_catalog_v1_ReleaseStockRequest__Output } from '../../../switchyard/catalog/v1/ReleaseStockRequest.js';
import type { ReleaseStockResponse as _switchyard_catalog_v1_ReleaseStockResponse, ReleaseStockResponse__Output as _switchyard_catalog_v1_ReleaseStockResponse__Output } from '../../../switchyard/catalog/v1/ReleaseStockResponse.js';
import type { Reservation as _switchyard_catalog_v1_Reservation, Reservation__Output as _switchyard_catalog_v1_Reservation__Output } from '../../../switchyard/catalog/v1/Reservation.js';
import type { ReserveStockRequest as _switchyard_catalog_v1_ReserveStockRequest, ReserveStockRequest__Output as _switchyard_catalog_v1_ReserveStockRequest__Output } from '../../../switchyard/catalog/v1/ReserveStockRequest.js';

export interface CatalogClient extends grpc.Client {
  GetProduct(argument: _switchyard_catalog_v1_GetProductRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_catalog_v1_Product__Output>): grpc.ClientUnaryCall;
  GetProduct(argument: _switchyard_catalog_v1_GetProductRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_catalog_v1_Product__Output>): grpc.ClientUnaryCall;
  GetProduct(argument: _switchyard_catalog_v1_GetProductRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_catalog_v1_Product__Output>): grpc.ClientUnaryCall;
  GetProduct(argument: _switchyard_catalog_v1_GetProductRequest, callback: grpc.requestCallback<_switchyard_catalog_v1_Product__Output>): grpc.ClientUnaryCall;
  getProduct(argument: _switchyard_catalog_v1_GetProductRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_catalog_v1_Product__Output>): grpc.ClientUnaryCall;
  getProduct(argument: _switchyard_catalog_v1_GetProductRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_catalog_v1_Product__Output>): grpc.ClientUnaryCall;
  getProduct(argument: _switchyard_catalog_v1_GetProductRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_catalog_v1_Product__Output>): grpc.ClientUnaryCall;
  getProduct(argument: _switchyard_catalog_v1_GetProductRequest, callback: grpc.requestCallback<_switchyard_catalog_v1_Product__Output>): grpc.ClientUnaryCall;
  
  ReleaseStock(argument: _switchyard_catalog_v1_ReleaseStockRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_catalog_v1_ReleaseStockResponse__Output>): grpc.ClientUnaryCall;
  ReleaseStock(argument: _switchyard_catalog_v1_ReleaseStockRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_catalog_v1_ReleaseStockResponse__Output>): grpc.ClientUnaryCall;
  ReleaseStock(argument: _switchyard_catalog_v1_ReleaseStockRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_catalog_v1_ReleaseStockResponse__Output>): grpc.ClientUnaryCall;
  ReleaseStock(argument: _switchyard_catalog_v1_ReleaseStockRequest, callback: grpc.requestCallback<_switchyard_catalog_v1_ReleaseStockResponse__Output>): grpc.ClientUnaryCall;
  releaseStock(argument: _switchyard_catalog_v1_ReleaseStockRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_catalog_v1_ReleaseStockResponse__Output>): grpc.ClientUnaryCall;
  releaseStock(argument: _switchyard_catalog_v1_ReleaseStockRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_catalog_v1_ReleaseStockResponse__Output>): grpc.ClientUnaryCall;
  releaseStock(argument: _switchyard_catalog_v1_ReleaseStockRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_catalog_v1_ReleaseStockResponse__Output>): grpc.ClientUnaryCall;
  releaseStock(argument: _switchyard_catalog_v1_ReleaseStockRequest, callback: grpc.requestCallback<_switchyard_catalog_v1_ReleaseStockResponse__Output>): grpc.ClientUnaryCall;
  
  ReserveStock(argument: _switchyard_catalog_v1_ReserveStockRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_catalog_v1_Reservation__Output>): grpc.ClientUnaryCall;
  ReserveStock(argument: _switchyard_catalog_v1_ReserveStockRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_catalog_v1_Reservation__Output>): grpc.ClientUnaryCall;
  ReserveStock(argument: _switchyard_catalog_v1_ReserveStockRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_catalog_v1_Reservation__Output>): grpc.ClientUnaryCall;
  ReserveStock(argument: _switchyard_catalog_v1_ReserveStockRequest, callback: grpc.requestCallback<_switchyard_catalog_v1_Reservation__Output>): grpc.ClientUnaryCall;
  reserveStock(argument: _switchyard_catalog_v1_ReserveStockRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_catalog_v1_Reservation__Output>): grpc.ClientUnaryCall;
  reserveStock(argument: _switchyard_catalog_v1_ReserveStockRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_catalog_v1_Reservation__Output>): grpc.ClientUnaryCall;
  reserveStock(argument: _switchyard_catalog_v1_ReserveStockRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_catalog_v1_Reservation__Output>): grpc.ClientUnaryCall;
  reserveStock(argument: _switchyard_catalog_v1_ReserveStockRequest, callback: grpc.requestCallback<_switchyard_catalog_v1_Reservation__Output>): grpc.ClientUnaryCall;
  
}

export interface CatalogHandlers extends grpc.UntypedServiceImplementation {
  GetProduct: grpc.handleUnaryCall<_switchyard_catalog_v1_GetProductRequest__Output, _switchyard_catalog_v1_Product>;
  
  ReleaseStock: grpc.handleUnaryCall<_switchyard_catalog_v1_ReleaseStockRequest__Output, _switchyard_catalog_v1_ReleaseStockResponse>;
  
  ReserveStock: grpc.handleUnaryCall<_switchyard_catalog_v1_ReserveStockRequest__Output, _switchyard_catalog_v1_Reservation>;
  
}

export interface CatalogDefinition extends grpc.ServiceDefinition {
  GetProduct: MethodDefinition<_switchyard_catalog_v1_GetProductRequest, _switchyard_catalog_v1_Product, _switchyard_catalog_v1_GetProductRequest__Output, _switchyard_catalog_v1_Product__Output>
  ReleaseStock: MethodDefinition<_switchyard_catalog_v1_ReleaseStockRequest, _switchyard_catalog_v1_ReleaseStockResponse, _switchyard_catalog_v1_ReleaseStockRequest__Output, _switchyard_catalog_v1_ReleaseStockResponse__Output>
  ReserveStock: MethodDefinition<_switchyard_catalog_v1_ReserveStockRequest, _switchyard_catalog_v1_Reservation, _switchyard_catalog_v1_ReserveStockRequest__Output, _switchyard_catalog_v1_Reservation__Output>
}
