import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtlpSink {
  server: Server;
  /** Its base URL: exporters post to `${url}/v1/traces`. */
  url: string;
  exports: () => number;
  bytes: () => number;
  close: () => Promise<void>;
}

/** An OTLP/HTTP endpoint on loopback that reads every export and answers 200, as a collector would, keeping nothing. */
export async function startOtlpSink(): Promise<OtlpSink> {
  let exports = 0;
  let bytes = 0;
  const server = createServer((req, res) => {
    req.on('data', (chunk: Buffer) => (bytes += chunk.length));
    req.on('end', () => {
      exports += 1;
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    exports: () => exports,
    bytes: () => bytes,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}
