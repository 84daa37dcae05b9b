import { pino, stdTimeFunctions, type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Paths pino replaces with [redacted]: credentials, tokens and card data never reach a log. */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  '*.*.password',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["set-cookie"]',
  'cookie',
  'card',
  '*.card',
  '*.*.card',
];

export interface LoggerOptions {
  service: string;
  level: string;
  instance?: string | undefined;
  /** Where lines go; stdout by default. */
  destination?: DestinationStream;
}

/** The one root logger of a process; areas take children of it. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.service, ...(options.instance ? { instance: options.instance } : {}) },
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    },
    options.destination,
  );
}
