import { fileURLToPath } from 'node:url';

/** The outbox table, for services that publish events (apply with the service's own migrations). */
export const OUTBOX_MIGRATIONS = fileURLToPath(new URL('../migrations/outbox', import.meta.url));

/** The inbox table, for services that consume events. */
export const INBOX_MIGRATIONS = fileURLToPath(new URL('../migrations/inbox', import.meta.url));
