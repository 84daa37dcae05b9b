// Original file: switchyard/users/v1/users.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { GetUserRequest as _switchyard_users_v1_GetUserRequest, GetUserRequest__Output as _switchyard_users_v1_GetUserRequest__Output } from '../../../switchyard/users/v1/GetUserRequest.js';
import type { User as _switchyard_users_v1_User, User__Output as _switchyard_users_v1_User__Output } from '../../../switchyard/users/v1/User.js';

export interface UsersClient extends grpc.Client {
  GetUser(argument: _switchyard_users_v1_GetUserRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_users_v1_User__Output>): grpc.ClientUnaryCall;
  GetUser(argument: _switchyard_users_v1_GetUserRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_users_v1_User__Output>): grpc.ClientUnaryCall;
  GetUser(argument: _switchyard_users_v1_GetUserRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_users_v1_User__Output>): grpc.ClientUnaryCall;
  GetUser(argument: _switchyard_users_v1_GetUserRequest, callback: grpc.requestCallback<_switchyard_users_v1_User__Output>): grpc.ClientUnaryCall;
  getUser(argument: _switchyard_users_v1_GetUserRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_users_v1_User__Output>): grpc.ClientUnaryCall;
  getUser(argument: _switchyard_users_v1_GetUserRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_switchyard_users_v1_User__Output>): grpc.ClientUnaryCall;
  getUser(argument: _switchyard_users_v1_GetUserRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_switchyard_users_v1_User__Output>): grpc.ClientUnaryCall;
  getUser(argument: _switchyard_users_v1_GetUserRequest, callback: grpc.requestCallback<_switchyard_users_v1_User__Output>): grpc.ClientUnaryCall;
  
}

export interface UsersHandlers extends grpc.UntypedServiceImplementation {
  GetUser: grpc.handleUnaryCall<_switchyard_users_v1_GetUserRequest__Output, _switchyard_users_v1_User>;
  
}

export interface UsersDefinition extends grpc.ServiceDefinition {
  GetUser: MethodDefinition<_switchyard_users_v1_GetUserRequest, _switchyard_users_v1_User, _switchyard_users_v1_GetUserRequest__Output, _switchyard_users_v1_User__Output>
}
