import { createLogger, type Logger } from '@switchyard/kit/log';

/** A real kit logger whose lines are kept in memory, to assert on what was (not) logged. */
export function capturedLogger(service: string, level = 'debug'): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const log = createLogger({ service, level, destination: { write: (line: string) => void lines.push(line) } });
  return { log, lines };
}
