/** The header carrying a request id from the edge through every hop. */
export const REQUEST_ID_HEADER = 'x-request-id';
