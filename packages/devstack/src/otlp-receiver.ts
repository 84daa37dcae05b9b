import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import type { Logger } from 'pino';
import { z } from 'zod';
import { spanKindName, type ReceivedSpan } from './span-tree.js';

const MAX_BODY_BYTES = 32 * 1024 * 1024;

// OTLP/HTTP JSON (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): ids are hex,
// times are nanoseconds as strings, attribute values are one-of objects.
type AnyValue = { stringValue?: string; boolValue?: boolean; intValue?: string | number; doubleValue?: number; arrayValue?: { values?: AnyValue[] } };
const anyValue: z.ZodType<AnyValue> = z.lazy(() =>
  z.object({
    stringValue: z.string().optional(),
    boolValue: z.boolean().optional(),
    intValue: z.union([z.string(), z.number()]).optional(),
    doubleValue: z.number().optional(),
    arrayValue: z.object({ values: z.array(anyValue).optional() }).optional(),
  }),
);
const keyValues = z.array(z.object({ key: z.string(), value: anyValue.optional() })).optional();
const nanos = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]);
const exportRequest = z.object({
  resourceSpans: z
    .array(
      z.object({
        resource: z.object({ attributes: keyValues }).optional(),
        scopeSpans: z
          .array(
            z.object({
              spans: z
                .array(
                  z.object({
                    traceId: z.string().regex(/^[0-9a-f]{32}$/),
                    spanId: z.string().regex(/^[0-9a-f]{16}$/),
                    parentSpanId: z.string().regex(/^([0-9a-f]{16})?$/).optional(),
                    name: z.string(),
                    kind: z.number().int().min(0).max(5).optional(),
                    startTimeUnixNano: nanos,
                    endTimeUnixNano: nanos,
                    attributes: keyValues,
                    links: z.array(z.object({ traceId: z.string(), spanId: z.string() })).optional(),
                    status: z.object({ code: z.number().int().optional(), message: z.string().optional() }).optional(),
                  }),
                )
                .optional(),
            }),
          )
          .optional(),
      }),
    )
    .optional(),
});

function plain(value: AnyValue | undefined): unknown {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(plain);
  return undefined;
}

const attributes = (list: z.output<typeof keyValues>) => Object.fromEntries((list ?? []).map((kv) => [kv.key, plain(kv.value)]));
// Milliseconds since the epoch, with the microseconds kept as the fraction.
const millis = (ns: string | number) => Number(BigInt(ns) / 1000n) / 1000;

/** Turns one OTLP/HTTP JSON export request into spans. */
export function spansFromExport(body: unknown): ReceivedSpan[] {
  const request = exportRequest.parse(body);
  return (request.resourceSpans ?? []).flatMap((rs) => {
    const resource = attributes(rs.resource?.attributes);
    const service = String(resource['service.name'] ?? 'unknown');
    return (rs.scopeSpans ?? []).flatMap((ss) =>
      (ss.spans ?? []).map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId || undefined,
        name: span.name,
        kind: spanKindName(span.kind ?? 0),
        service,
        instance: resource['service.instance.id'] === undefined ? undefined : String(resource['service.instance.id']),
        startMs: millis(span.startTimeUnixNano),
        endMs: millis(span.endTimeUnixNano),
        attributes: attributes(span.attributes),
        links: (span.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId })),
        error: span.status?.code === 2,
      })),
    );
  });
}

export interface OtlpReceiverOptions {
  port: number;
  host?: string;
  /** The newest spans kept; older ones are dropped. */
  maxSpans?: number;
  log: Logger;
}

/**
 * The local runner's trace receiver: an OTLP/HTTP endpoint (JSON encoding, POST /v1/traces) that keeps
 * the newest spans in memory, and a small query API for `npm run trace`: GET /traces/<traceId> and
 * GET /traces?q=<text> (the traces with a span whose attributes hold that text, such as an order id).
 *
 * Not a collector: none can be installed here (neither Debian nor npm packages the OpenTelemetry
 * Collector or Jaeger, and this machine reaches only those two registries), and `npm start` must work
 * with Node.js alone. The services export exactly as they would to a collector; only the endpoint and
 * the JSON encoding (OTEL_EXPORTER_OTLP_PROTOCOL=http/json, which needs no .proto files to read) are
 * the runner's choice.
 */
export class OtlpReceiver {
  readonly #spans: ReceivedSpan[] = [];
  readonly #byTrace = new Map<string, ReceivedSpan[]>();
  readonly #waiters = new Set<() => void>();

  private constructor(
    private readonly server: Server,
    private readonly maxSpans: number,
    private readonly log: Logger,
  ) {}

  /** Listens and resolves once it accepts exports. */
  static async start(options: OtlpReceiverOptions): Promise<OtlpReceiver> {
    const server = createServer();
    const receiver = new OtlpReceiver(server, options.maxSpans ?? 50_000, options.log);
    server.on('request', (req, res) => void receiver.#handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
    });
    return receiver;
  }

  /** The base URL: OTEL_EXPORTER_OTLP_ENDPOINT for the services, and the query API. */
  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  /** Every span of a trace received so far. */
  trace(traceId: string): ReceivedSpan[] {
    return [...(this.#byTrace.get(traceId) ?? [])];
  }

  /** The ids of the traces with a span whose attribute values contain `text`, oldest first. */
  find(text: string): string[] {
    const found = new Set<string>();
    for (const span of this.#spans) {
      if (Object.values(span.attributes).some((value) => typeof value === 'string' && value.includes(text))) found.add(span.traceId);
    }
    return [...found];
  }

  /** Resolves when `condition` holds, checked after every export (or rejects after timeoutMs). */
  async waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
    if (condition()) return;
    await new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!condition()) return;
        this.#waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(new Error(`the spans expected did not arrive within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.add(check);
    });
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  #store(spans: ReceivedSpan[]): void {
    for (const span of spans) {
      this.#spans.push(span);
      let list = this.#byTrace.get(span.traceId);
      if (!list) this.#byTrace.set(span.traceId, (list = []));
      list.push(span);
    }
    for (const dropped of this.#spans.splice(0, Math.max(0, this.#spans.length - this.maxSpans))) {
      const list = this.#byTrace.get(dropped.traceId)!;
      list.splice(list.indexOf(dropped), 1);
      if (list.length === 0) this.#byTrace.delete(dropped.traceId);
    }
    for (const wake of [...this.#waiters]) wake();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://receiver');
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    try {
      if (req.method === 'POST' && url.pathname === '/v1/traces') {
        if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
          return reply(415, { message: 'This receiver reads OTLP/HTTP JSON: set OTEL_EXPORTER_OTLP_PROTOCOL=http/json.' });
        }
        let body = await readBody(req);
        if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
        this.#store(spansFromExport(JSON.parse(body.toString('utf8'))));
        return reply(200, {});
      }
      const traceMatch = /^\/traces\/([0-9a-f]{32})$/.exec(url.pathname);
      if (req.method === 'GET' && traceMatch) return reply(200, { spans: this.trace(traceMatch[1]!) });
      if (req.method === 'GET' && url.pathname === '/traces') {
        const text = url.searchParams.get('q') ?? '';
        if (text.length < 4) return reply(400, { message: 'q must be at least 4 characters (an order id, a user id, a route).' });
        return reply(200, { traceIds: this.find(text) });
      }
      return reply(404, { message: 'Not found: POST /v1/traces, GET /traces/<traceId>, GET /traces?q=<text>.' });
    } catch (err) {
      this.log.warn({ err }, 'the OTLP receiver refused an export');
      return reply(400, { message: (err as Error).message.slice(0, 500) });
    }
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error(`export larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
