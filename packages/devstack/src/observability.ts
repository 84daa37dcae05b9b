import { join } from 'node:path';
import type { Logger } from 'pino';
import { OtlpReceiver } from './otlp-receiver.js';
import { prometheusInstalled, startPrometheus, type PrometheusServer, type ScrapeTarget } from './prometheus-server.js';

export interface ObservabilityOptions {
  /** The OTLP receiver's port (0: any free one); undefined: the services do not trace. */
  otlpPort?: number | undefined;
  /** Prometheus' port; undefined: no Prometheus. */
  prometheusPort?: number | undefined;
  /** The repository root: the alerting rules are the chart's. */
  rootDir: string;
  dataDir: string;
  log: Logger;
}

/** The alerting rules Prometheus loads, locally as on Kubernetes (the chart ships the same file). */
export const alertRulesFile = (rootDir: string) => join(rootDir, 'charts/switchyard/files/alert-rules.yaml');

/**
 * What the local system has for watching itself: a trace receiver the services export to, and
 * Debian's Prometheus scraping every replica's admin port with the chart's alerting rules. Either is
 * optional; a missing Prometheus binary is reported and skipped, not fatal.
 */
export class LocalObservability {
  private constructor(
    readonly receiver: OtlpReceiver | undefined,
    readonly prometheus: PrometheusServer | undefined,
  ) {}

  static async start(options: ObservabilityOptions, targets: readonly ScrapeTarget[]): Promise<LocalObservability> {
    const { log } = options;
    const receiver = options.otlpPort === undefined ? undefined : await OtlpReceiver.start({ port: options.otlpPort, log });
    let prometheus: PrometheusServer | undefined;
    try {
      if (options.prometheusPort !== undefined && !prometheusInstalled()) {
        log.warn('Prometheus is not installed (Debian/Ubuntu: sudo apt-get install -y prometheus): starting without it; every replica still serves /metrics on its admin port');
      } else if (options.prometheusPort !== undefined) {
        prometheus = await startPrometheus({
          dataDir: join(options.dataDir, 'prometheus'),
          port: options.prometheusPort,
          targets,
          ruleFiles: [alertRulesFile(options.rootDir)],
          log,
        });
      }
    } catch (err) {
      await receiver?.stop();
      throw err;
    }
    return new LocalObservability(receiver, prometheus);
  }

  /**
   * The variables that make a service export its spans here: the standard OTLP ones, with the JSON
   * encoding the receiver reads and a short batch delay, so `npm run trace` finds a request at once.
   */
  serviceEnv(service: string): Record<string, string> {
    if (!this.receiver) return {};
    return {
      OTEL_SERVICE_NAME: service,
      OTEL_EXPORTER_OTLP_ENDPOINT: this.receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    };
  }

  get pids(): number[] {
    return this.prometheus ? [this.prometheus.pid] : [];
  }

  async stop(): Promise<void> {
    await this.prometheus?.stop();
    await this.receiver?.stop();
  }

  kill(): void {
    this.prometheus?.kill();
  }
}
