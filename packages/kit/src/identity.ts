/**
 * The header in which the gateway passes the verified user id to the services behind it.
 * The gateway strips it from every client request first, so a service may trust it.
 */
export const USER_ID_HEADER = 'x-switchyard-user-id';

/** The header carrying a request id from the edge through every hop. */
export const REQUEST_ID_HEADER = 'x-request-id';
