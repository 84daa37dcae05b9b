import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { GetUserRequest as _switchyard_users_v1_GetUserRequest, GetUserRequest__Output as _switchyard_users_v1_GetUserRequest__Output } from './switchyard/users/v1/GetUserRequest.js';
import type { User as _switchyard_users_v1_User, User__Output as _switchyard_users_v1_User__Output } from './switchyard/users/v1/User.js';
import type { UsersClient as _switchyard_users_v1_UsersClient, UsersDefinition as _switchyard_users_v1_UsersDefinition } from './switchyard/users/v1/Users.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  switchyard: {
    users: {
      v1: {
        GetUserRequest: MessageTypeDefinition<_switchyard_users_v1_GetUserRequest, _switchyard_users_v1_GetUserRequest__Output>
        User: MessageTypeDefinition<_switchyard_users_v1_User, _switchyard_users_v1_User__Output>
        Users: SubtypeConstructor<typeof grpc.Client, _switchyard_users_v1_UsersClient> & { service: _switchyard_users_v1_UsersDefinition }
      }
    }
  }
}

