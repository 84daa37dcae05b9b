import { z } from 'zod';
import { BadRequestError, ValidationError, type FieldError } from './errors.js';

/** Parses untrusted input with a schema; throws a ValidationError naming each bad field once. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const byField = new Map<string, FieldError>();
  for (const issue of result.error.issues) {
    const field = issue.path.length > 0 ? issue.path.join('.') : '(body)';
    // The first issue of a field is the telling one (a wrong type before its length, say).
    if (!byField.has(field)) byField.set(field, { field, message: issue.message });
  }
  throw new ValidationError([...byField.values()]);
}

/** A UUID in any letter case, normalised to lower case (two spellings of one id are one id). */
export const uuid = (message = 'must be a UUID') => z.uuid(message).transform((id) => id.toLowerCase());

/** The query of a list endpoint: a page size and an opaque cursor from a previous page. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(512).optional(),
});

/**
 * The cursor of a keyset page: the (sort key, id) of the last item, as opaque base64url JSON. Decoding
 * checks the id is a UUID and the key passes `validKey`, so a forged cursor is a 400, never a query error.
 */
export const keysetCursor = {
  encode: (key: string, id: string): string => Buffer.from(JSON.stringify([key, id])).toString('base64url'),
  decode(text: string, validKey: (key: string) => boolean = () => true): { key: string; id: string } {
    try {
      const [key, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
      if (typeof key === 'string' && typeof id === 'string' && z.uuid().safeParse(id).success && !key.includes('\u0000') && validKey(key)) {
        return { key, id: id.toLowerCase() };
      }
    } catch {
      // not JSON: the same answer as any other forged cursor
    }
    throw new BadRequestError('invalid_cursor', 'The cursor is not one this API returned.');
  },
};
