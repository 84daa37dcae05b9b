import { createLogger, type Logger } from '@switchyard/kit/log';

/** A real kit logger whose lines are kept in memory, to assert on what was (not) logged. */
export function capturedLogger(service: string, level = 'debug'): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  // TEST_LOG_ECHO=1 also prints warnings and errors, to see what a failing suite's services said.
  const echo = process.env.TEST_LOG_ECHO === '1';
  const log = createLogger({
    service,
    level,
    destination: {
      write: (line: string) => {
        lines.push(line);
        if (echo && /"level":"(warn|error|fatal)"/.test(line)) process.stderr.write(line);
      },
    },
  });
  return { log, lines };
}
