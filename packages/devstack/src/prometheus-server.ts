import { existsSync } from 'node:fs';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ManagedProcess } from './managed-process.js';
import { assertPortFree } from './ports.js';

/** Debian's package (`apt-get install prometheus`), with promtool beside it. */
export const PROMETHEUS_BINARY = '/usr/bin/prometheus';

/** One replica's admin port, as Prometheus labels it. */
export interface ScrapeTarget {
  service: string;
  /** The replica: the same name as its INSTANCE_ID (`payments-2`). */
  instance: string;
  /** host:port of its admin listener. */
  address: string;
}

export interface PrometheusOptions {
  dataDir: string;
  port: number;
  targets: readonly ScrapeTarget[];
  /** Alerting rule files, loaded as they are (the chart's rules). */
  ruleFiles: readonly string[];
  /** Scrape and rule evaluation interval: short locally, so a change shows within seconds. */
  intervalSeconds?: number;
  log: Logger;
}

export interface PrometheusServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
  kill(): void;
}

/**
 * The scrape configuration of the local system: every replica's /metrics, labelled with its service
 * and instance the way the chart's PodMonitor labels pods. honor_labels keeps the `service` label the
 * services expose themselves (Prometheus would otherwise rename it exported_service); the target's
 * own label only fills it in on the series Prometheus makes, such as `up`. JSON is valid YAML.
 */
export function prometheusConfig(options: Pick<PrometheusOptions, 'targets' | 'ruleFiles' | 'intervalSeconds'>): string {
  const interval = `${options.intervalSeconds ?? 5}s`;
  return JSON.stringify(
    {
      global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
      rule_files: options.ruleFiles,
      scrape_configs: [
        {
          job_name: 'switchyard',
          honor_labels: true,
          static_configs: options.targets.map((t) => ({ targets: [t.address], labels: { service: t.service, instance: t.instance } })),
        },
      ],
    },
    null,
    2,
  );
}

/**
 * Starts Debian's Prometheus for the local system: its configuration, data and log in dataDir,
 * listening on 127.0.0.1 only, stopped by its pid. Resolves when /-/ready answers.
 */
export async function startPrometheus(options: PrometheusOptions): Promise<PrometheusServer> {
  const { dataDir, port, log } = options;
  await assertPortFree(port, 'Prometheus');
  await mkdir(join(dataDir, 'data'), { recursive: true });
  const configFile = join(dataDir, 'prometheus.yml');
  await writeFile(configFile, prometheusConfig(options));
  const logFile = await open(join(dataDir, 'prometheus.log'), 'a');
  const url = `http://127.0.0.1:${port}`;
  const server = await ManagedProcess.start(
    'prometheus',
    PROMETHEUS_BINARY,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dataDir, 'data')}`,
      '--storage.tsdb.retention.time=2d',
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { onLine: (line) => void logFile.write(`${line}\n`) },
  );
  try {
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (!server.running) throw new Error('Prometheus exited during start-up');
      const ready = await fetch(`${url}/-/ready`).then((res) => (res.body?.cancel(), res.status === 200), () => false);
      if (ready) break;
      if (Date.now() > deadline) throw new Error('Prometheus was not ready within 30 s');
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    await server.stop('SIGTERM', 5_000);
    await logFile.close();
    throw new Error(`Prometheus did not start; see ${join(dataDir, 'prometheus.log')}`, { cause: err });
  }
  log.info({ port, pid: server.pid, targets: options.targets.length }, 'prometheus ready');
  return {
    url,
    pid: server.pid,
    stop: async () => {
      await server.stop('SIGTERM', 10_000);
      await logFile.close();
    },
    kill: () => server.kill(),
  };
}

/** Whether Debian's Prometheus is installed here. */
export const prometheusInstalled = () => existsSync(PROMETHEUS_BINARY);
