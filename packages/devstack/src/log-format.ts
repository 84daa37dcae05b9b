const LEVEL_COLOURS: Record<string, string> = {
  trace: '\x1b[90m',
  debug: '\x1b[36m',
  info: '\x1b[32m',
  warn: '\x1b[33m',
  error: '\x1b[31m',
  fatal: '\x1b[35m',
};
const RESET = '\x1b[0m';
const DIM = '\x1b[2m';
const OMITTED = new Set(['level', 'time', 'msg', 'service', 'instance', 'pid', 'hostname']);

/**
 * One line of a service's output for the terminal: `12:00:01 users#1   info  request finished status=200`.
 * Lines that are not pino JSON (a crash before the logger existed) are shown as they are.
 */
export function prettyLine(label: string, line: string, colour: boolean): string {
  const tag = label.padEnd(12);
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
    if (typeof entry !== 'object' || entry === null) throw new Error('not an object');
  } catch {
    return `${tag} ${line}`;
  }
  const time = typeof entry.time === 'string' ? entry.time.slice(11, 19) : '';
  const level = String(entry.level ?? 'info');
  const fields = Object.entries(entry)
    .filter(([key]) => !OMITTED.has(key))
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  const levelText = level.padEnd(5);
  const shown = colour ? `${LEVEL_COLOURS[level] ?? ''}${levelText}${RESET}` : levelText;
  const rest = fields ? (colour ? ` ${DIM}${fields}${RESET}` : ` ${fields}`) : '';
  return `${time} ${tag} ${shown} ${String(entry.msg ?? '')}${rest}`;
}
