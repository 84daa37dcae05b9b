import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '@switchyard/kit/log';
import { ConfigError } from '@switchyard/kit/config';
import { LOAD_TEST_GATEWAY_ENV, readRunnerConfig, parseReplicas, type RunnerConfig } from './config.js';
import { prettyLine } from './log-format.js';
import { LocalSystem, StartAbortedError } from './system.js';

const ROOT = resolve(import.meta.dirname, '../../..');
// The services run the way this runner does: compiled when it was started from dist/ (`npm start`,
// see ../start.mjs, which built them first), from the TypeScript sources when it runs under tsx (`npm run dev`).
const runtime = import.meta.filename.endsWith('.js') ? 'compiled' : 'sources';
const pretty = process.stdout.isTTY === true;

/** On a terminal lines are made readable; otherwise each pino JSON line is passed on untouched. */
function writeLine(label: string, line: string): void {
  process.stdout.write(`${pretty ? prettyLine(label, line, true) : line}\n`);
}

function statusTable(system: LocalSystem): string {
  const hidePassword = (url: string) => url.replace(/\/\/[^@]*@/, '//');
  const infra = system.infrastructurePids();
  const rows = [
    ['SERVICE', 'API', 'ADMIN', 'GRPC', 'PID'],
    ...system.instances.map((i) => [i.label, i.url ?? '-', i.adminUrl, i.grpcAddress ?? '-', String(i.process.pid)]),
    ['postgres', hidePassword(system.databaseUrl), '-', '-', infra.postgres.join(' ') || 'external'],
    ['rabbitmq', hidePassword(system.amqpUrl), '-', '-', infra.rabbitmq.join(' ') || 'external'],
    ...(system.observability?.prometheus ? [['prometheus', system.observability.prometheus.url, '-', '-', String(system.observability.prometheus.pid)]] : []),
    ...(system.observability?.receiver ? [['traces', `${system.observability.receiver.url}/v1/traces`, '-', '-', 'runner']] : []),
  ];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => r[col]!.length)));
  return rows.map((r) => r.map((cell, col) => cell.padEnd(widths[col]!)).join('  ').trimEnd()).join('\n');
}

function observabilityLines(system: LocalSystem): string {
  const { receiver, prometheus } = system.observability ?? {};
  return [
    prometheus ? `Prometheus: ${prometheus.url} (every replica scraped; alerts at ${prometheus.url}/alerts)` : 'Prometheus: not running',
    receiver ? `Traces: received at ${receiver.url}; npm run trace -- <traceId|orderId> prints one` : 'Traces: off (SWITCHYARD_TRACING=0)',
  ].join('\n');
}

const { values } = parseArgs({ options: { replicas: { type: 'string', multiple: true } } });
const log = createLogger({
  service: 'switchyard',
  level: 'info',
  destination: { write: (line: string) => writeLine('switchyard', line.trimEnd()) },
});
let config: RunnerConfig;
try {
  config = readRunnerConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  // Named, on one line, before anything starts: a stack trace would bury the variable.
  log.fatal(err.message);
  process.exit(2);
}
log.level = config.LOG_LEVEL;

const system = new LocalSystem({
  rootDir: ROOT,
  runtime,
  v8Flags: config.SWITCHYARD_SEMI_SPACE_MB > 0 ? [`--max-semi-space-size=${config.SWITCHYARD_SEMI_SPACE_MB}`] : [],
  dataDir: resolve(ROOT, config.SWITCHYARD_DATA_DIR),
  httpBasePort: config.SWITCHYARD_HTTP_PORT,
  postgresPort: config.SWITCHYARD_POSTGRES_PORT,
  amqpPort: config.SWITCHYARD_AMQP_PORT,
  epmdPort: config.SWITCHYARD_EPMD_PORT,
  ...(config.SWITCHYARD_RABBITMQ_DIST_PORT === undefined ? {} : { distPort: config.SWITCHYARD_RABBITMQ_DIST_PORT }),
  databaseUrl: config.DATABASE_URL,
  amqpUrl: config.AMQP_URL,
  replicas: { ...parseReplicas(config.SWITCHYARD_REPLICAS), ...parseReplicas((values.replicas ?? []).join(',')) },
  allowRabbitMqInstall: config.SWITCHYARD_INSTALL_RABBITMQ === '1',
  serviceLogLevel: config.LOG_LEVEL,
  log,
  onServiceLine: writeLine,
  ...(config.SWITCHYARD_LOAD_TEST === '1' ? { serviceEnv: { gateway: LOAD_TEST_GATEWAY_ENV } } : {}),
  observability: {
    otlpPort: config.SWITCHYARD_TRACING === '1' ? config.SWITCHYARD_OTLP_PORT : undefined,
    prometheusPort: config.SWITCHYARD_PROMETHEUS === '1' ? config.SWITCHYARD_PROMETHEUS_PORT : undefined,
  },
});

// Children run in their own process groups, so Ctrl-C reaches only this runner, which stops them in order.
let signals = 0;
const onSignal = (signal: NodeJS.Signals) => {
  signals += 1;
  if (signals > 1) {
    log.warn('second signal: killing everything now');
    system.kill();
    process.exit(130);
  }
  log.info({ signal }, 'stopping: services first, then RabbitMQ and Postgres');
  system.stop().then(
    () => {
      log.info('stopped');
      process.exit(0);
    },
    (err: unknown) => {
      log.error({ err }, 'stop failed');
      process.exit(1);
    },
  );
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
// Should the runner itself crash, its children must not outlive it.
process.on('exit', () => system.kill());

try {
  await system.start();
  process.stdout.write(`\nSwitchyard is running. Public API: ${system.gatewayUrl}/api\nStorefront: ${system.gatewayUrl}/\n${observabilityLines(system)}\n${statusTable(system)}\n\nPress Ctrl-C to stop.\n\n`);
  // A service that dies is said so at once (on Kubernetes it would be restarted; here it is not, so a
  // crash is not hidden behind the next restart), and the table above no longer holds for it.
  for (const instance of system.instances) {
    void instance.process.exited.then(({ code, signal }) => {
      if (signals > 0) return;
      log.error(
        { instance: instance.label, pid: instance.process.pid, code, signal },
        `${instance.label} exited (${signal ?? `code ${code}`}) and is not restarted: the system runs without it until npm start is run again`,
      );
    });
  }
} catch (err) {
  if (!(err instanceof StartAbortedError)) {
    log.fatal({ err }, (err as Error).message);
    process.exitCode = 1;
  }
}
