/**
 * A kit HTTP app (createHttpApp: request context, error handler, body, router) answering one small JSON
 * route, logging its access lines to stdout as a service does: what an access line costs, apart from
 * everything else the gateway does. Listens on 127.0.0.1:$PORT and prints `listening`.
 *   REDACT=wildcard    pino with the redaction paths the kit had before issue 13 (wildcards), else the kit's
 *   ACCESS_LOG_SAMPLE  the share of requests logged (1 by default)
 *   LOG_LEVEL          info by default; warn logs no access line at all
 */
import { pino, stdTimeFunctions } from 'pino';
import { createHttpApp, listen } from '@switchyard/kit/http-service';
import { createLogger } from '@switchyard/kit/log';
import { createMetrics } from '@switchyard/kit/metrics';
import { Readiness } from '@switchyard/kit/readiness';

// The kit's list before issue 13: every path starting with a wildcard runs redaction over every value.
const WILDCARD_PATHS = ['password', '*.password', '*.*.password', 'token', '*.token', 'authorization', '*.authorization', '*.headers.authorization', '*.headers.cookie', '*.headers["set-cookie"]', 'cookie', 'card', '*.card', '*.*.card'];

const level = process.env.LOG_LEVEL ?? 'info';
const log =
  process.env.REDACT === 'wildcard'
    ? pino({
        level,
        base: { service: 'bench-access-log' },
        timestamp: stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        redact: { paths: WILDCARD_PATHS, censor: '[redacted]' },
      })
    : createLogger({ service: 'bench-access-log', level });
const readiness = new Readiness();
const app = createHttpApp({
  log,
  metrics: createMetrics('bench-access-log'),
  readiness,
  bodyLimitBytes: 1024,
  accessLog: { sample: Number(process.env.ACCESS_LOG_SAMPLE ?? '1'), slowMs: 1000 },
  routes: (router) => {
    router.get('/products/:id', (ctx) => {
      ctx.body = { id: ctx.params.id, name: 'Brass Locomotive Whistle', priceCents: 2450, currency: 'EUR', stock: 40 };
    });
  },
});
const server = await listen(app, Number(process.env.PORT), '127.0.0.1');
process.stdout.write('listening\n');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
