/** One span of a test export: ids in hex, times in ms after a fixed start, attributes as plain values. */
export interface TestSpan {
  traceId: string;
  spanId: string;
  name: string;
  startMs: number;
  durationMs: number;
  attributes: Record<string, string | number>;
}

const nanos = (ms: number) => String(BigInt((1_800_000_000_000 + ms) * 1_000) * 1_000n);

/** An OTLP/HTTP JSON export of one service's spans (SERVER kind), as the JSON exporter writes it. */
export function otlpExport(resource: { service: string; instance?: string }, spans: readonly TestSpan[]): unknown {
  const resourceAttributes = [{ key: 'service.name', value: { stringValue: resource.service } }];
  if (resource.instance) resourceAttributes.push({ key: 'service.instance.id', value: { stringValue: resource.instance } });
  return {
    resourceSpans: [
      {
        resource: { attributes: resourceAttributes },
        scopeSpans: [
          {
            scope: { name: '@switchyard/kit' },
            spans: spans.map((span) => ({
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: '',
              name: span.name,
              kind: 2,
              startTimeUnixNano: nanos(span.startMs),
              endTimeUnixNano: nanos(span.startMs + span.durationMs),
              attributes: Object.entries(span.attributes).map(([key, value]) => ({ key, value: typeof value === 'number' ? { intValue: String(value) } : { stringValue: value } })),
              status: { code: 0 },
            })),
          },
        ],
      },
    ],
  };
}
