/** One sample of the Prometheus text format: its labels and value. */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
const unescape = (text: string) => text.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));

/**
 * The samples of the named metrics in a /metrics answer (Prometheus text format 0.0.4), every other
 * line skipped unread. Hand-written because the view needs three gauges out of a few hundred lines:
 * the npm parsers of this format are unmaintained or build the whole family tree of every metric.
 */
export function samplesOf(text: string, names: ReadonlySet<string>): Map<string, Sample[]> {
  const found = new Map<string, Sample[]>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (!match || !names.has(match[1]!)) continue;
    const value = Number(match[3]);
    if (Number.isNaN(value) && match[3] !== 'NaN') continue;
    const labels: Record<string, string> = {};
    for (const [, name, raw] of (match[2] ?? '').matchAll(LABEL)) labels[name!] = unescape(raw!);
    const list = found.get(match[1]!) ?? [];
    list.push({ labels, value });
    found.set(match[1]!, list);
  }
  return found;
}

/** What the system view reads from a replica's metrics; null for each one the replica does not report. */
export interface ReplicaMetrics {
  brokerConnected: boolean | null;
  outboxLagSeconds: number | null;
  deadLetters: number | null;
}

const WANTED = new Set(['amqp_connected', 'outbox_oldest_pending_age_seconds', 'events_queue_messages']);

/** amqp_connected, outbox_oldest_pending_age_seconds and the dead_letter kind of events_queue_messages. */
export function replicaMetrics(text: string): ReplicaMetrics {
  const samples = samplesOf(text, WANTED);
  const connected = samples.get('amqp_connected')?.[0];
  const lag = samples.get('outbox_oldest_pending_age_seconds')?.[0];
  const parked = (samples.get('events_queue_messages') ?? []).filter((s) => s.labels.kind === 'dead_letter');
  return {
    brokerConnected: connected ? connected.value === 1 : null,
    outboxLagSeconds: lag ? lag.value : null,
    deadLetters: parked.length > 0 ? parked.reduce((sum, s) => sum + s.value, 0) : null,
  };
}
