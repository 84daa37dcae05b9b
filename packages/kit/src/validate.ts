import type { z } from 'zod';
import { ValidationError, type FieldError } from './errors.js';

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
