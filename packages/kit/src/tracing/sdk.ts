import { NodeSDK } from '@opentelemetry/sdk-node';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { serviceInstrumentations } from './instrumentations.js';
import type { TracingSettings } from './settings.js';

/**
 * Starts the OpenTelemetry SDK for traces only: spans go to the OTLP endpoint the standard variables
 * name (OTEL_EXPORTER_OTLP_*, protocol http/protobuf unless OTEL_EXPORTER_OTLP_TRACES_PROTOCOL says
 * otherwise), sampled as OTEL_TRACES_SAMPLER says (parent-based always-on by default), batched as
 * OTEL_BSP_* say. Metrics stay with Prometheus (/metrics on the admin port) and logs with pino on
 * stdout, so the SDK's own metric and log exporters, which it would otherwise start, are left off.
 * OTEL_RESOURCE_ATTRIBUTES (the chart puts the pod, namespace and node there) and OTEL_SERVICE_NAME
 * are merged over the defaults read here.
 */
export function startTracing(settings: TracingSettings): NodeSDK {
  const sdk = new NodeSDK({
    resource: resourceFromAttributes({
      [ATTR_SERVICE_NAME]: settings.serviceName,
      'service.namespace': 'switchyard',
      ...(settings.serviceVersion ? { [ATTR_SERVICE_VERSION]: settings.serviceVersion } : {}),
      ...(settings.instanceId ? { 'service.instance.id': settings.instanceId } : {}),
    }),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: serviceInstrumentations(),
  });
  sdk.start();
  return sdk;
}
