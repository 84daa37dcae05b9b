/** A response with its body read: parsed JSON when it is JSON, else text. */
export interface TestResponse {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

/** fetch with a bound: a server that hangs fails the test instead of stalling the run. */
export async function request(url: string, init: RequestInit & { json?: unknown } = {}): Promise<TestResponse> {
  const { json, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (json !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/json');
  const res = await fetch(url, {
    ...rest,
    headers,
    body: json !== undefined ? JSON.stringify(json) : rest.body,
    signal: rest.signal ?? AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let body: unknown = text;
  if (/json/.test(res.headers.get('content-type') ?? '') && text) body = JSON.parse(text);
  return { status: res.status, headers: res.headers, body, text };
}

/** The problem document without its per-request id, for exact comparisons. */
export function withoutRequestId(body: Record<string, unknown>): Record<string, unknown> {
  const { requestId: _ignored, ...rest } = body;
  return rest;
}
