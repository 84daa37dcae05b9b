import { z } from 'zod';
import type { UsersDefinition } from '@switchyard/contracts/grpc-contracts';
import type { ServiceHandlers } from '@switchyard/kit/grpc-server';
import { parseInput } from '@switchyard/kit/validate';
import type { Accounts } from '../accounts/accounts.js';

const getUser = z.object({ id: z.uuid('must be a UUID') });

/** switchyard.users.v1.Users: lookups for other services. */
export function usersHandlers(accounts: Accounts): ServiceHandlers<UsersDefinition> {
  return {
    GetUser: async (request) => accounts.get(parseInput(getUser, request).id),
  };
}
