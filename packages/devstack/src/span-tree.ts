/** A span as the local receiver keeps it. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: SpanKindName;
  service: string;
  /** service.instance.id (the replica), when the service set one. */
  instance: string | undefined;
  /** Milliseconds since the epoch (microsecond fractions kept). */
  startMs: number;
  endMs: number;
  attributes: Record<string, unknown>;
  links: Array<{ traceId: string; spanId: string }>;
  error: boolean;
}

export type SpanKindName = 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';

const KINDS: readonly SpanKindName[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

/** The name of an OTLP span kind number. */
export function spanKindName(kind: number): SpanKindName {
  return KINDS[kind] ?? 'unspecified';
}

/** A span with its children, in start order. */
export interface SpanNode {
  span: ReceivedSpan;
  children: SpanNode[];
}

/**
 * The spans of one trace as trees: each span under its parent, children and roots in start order.
 * A span whose parent was not received (sampled out, still in another process's batch, or the
 * trace's caller outside the system) is a root of its own.
 */
export function spanTree(spans: readonly ReceivedSpan[]): SpanNode[] {
  const nodes = new Map(spans.map((span) => [span.spanId, { span, children: [] as SpanNode[] }]));
  const roots: SpanNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.span.parentSpanId ? nodes.get(node.span.parentSpanId) : undefined;
    (parent ? parent.children : roots).push(node);
  }
  const byStart = (a: SpanNode, b: SpanNode) => a.span.startMs - b.span.startMs;
  const sort = (list: SpanNode[]) => {
    list.sort(byStart);
    list.forEach((node) => sort(node.children));
  };
  sort(roots);
  return roots;
}

const ms = (value: number) => `${value.toFixed(1)} ms`;
// Span start times have millisecond resolution (the SDK takes them from the wall clock, and measures
// durations with the monotonic clock), so offsets are printed in whole milliseconds.
const offset = (value: number) => `+${Math.round(value)} ms`;

/**
 * The trace as text, one span a line: start offset from the trace's first span, duration, service,
 * kind, and the name indented under its parent, e.g.
 *
 *      +0 ms    84.2 ms  gateway        server    POST /api/orders
 *      +1 ms    82.7 ms  gateway        internal  └─ router - /api/orders
 */
export function formatTrace(spans: readonly ReceivedSpan[]): string[] {
  if (spans.length === 0) return [];
  const start = Math.min(...spans.map((s) => s.startMs));
  const end = Math.max(...spans.map((s) => s.endMs));
  const services = new Set(spans.map((s) => s.service));
  const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  const lines = [`trace ${spans[0]!.traceId}: ${count(spans.length, 'span')}, ${count(services.size, 'service')}, ${ms(end - start)}`];
  const walk = (node: SpanNode, prefix: string, branch: string) => {
    const { span } = node;
    const marks = [span.error ? '(error)' : '', span.parentSpanId && branch === '' ? '(parent not received)' : ''].filter(Boolean).join(' ');
    lines.push(
      `${offset(span.startMs - start).padStart(9)} ${ms(span.endMs - span.startMs).padStart(10)}  ${span.service.padEnd(14)} ${span.kind.padEnd(9)} ${prefix}${branch}${span.name}${marks ? ` ${marks}` : ''}`,
    );
    node.children.forEach((child, i) => {
      const last = i === node.children.length - 1;
      walk(child, branch === '' ? prefix : `${prefix}${branch === '└─ ' ? '   ' : '│  '}`, last ? '└─ ' : '├─ ');
    });
  };
  for (const root of spanTree(spans)) walk(root, '', '');
  return lines;
}
