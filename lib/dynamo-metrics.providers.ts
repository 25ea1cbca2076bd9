import { Logger, type Provider } from '@nestjs/common';
import { collectDefaultMetrics, register } from 'prom-client';
import { DistributedRuntime } from './core/distributed-runtime';
import type { RegistryLevel } from './core/registry-level';
import { levelRequests, type LevelRequest } from './decorators/inject-level.decorator';
import {
  DEFAULT_METRICS_PROBE,
  DEFAULT_NAMESPACE,
  SCRAPE_GATE,
  SYSTEM_CONFIG,
  TRACE_EXEMPLARS,
} from './dynamo-metrics.constants';
import { DynamoMetricsMetadataAccessor } from './dynamo-metrics-metadata.accessor';
import { exemplarsWithoutApiMessage, invalidBooleanOptionMessage } from './dynamo-metrics.messages';
import { MODULE_OPTIONS_TOKEN } from './dynamo-metrics.module-definition';
import type { DynamoMetricsModuleOptions } from './interfaces';
import { ScrapeAccess } from './scrape-access';
import { traceExemplarSource, type TraceExemplars } from './trace-exemplars';
import { ScrapeGate } from './system/scrape-gate';
import {
  resolveCredentials,
  resolveSystemConfig,
  type SystemServerConfig,
} from './system/system-config';
import { SystemHealth } from './system/system-health';
import { SystemStatusServer } from './system/system-status-server';

/** The app's exemplar source, `@opentelemetry/api` loaded (if installed) before any request. */
export const traceExemplarsProvider: Provider = {
  provide: TRACE_EXEMPLARS,
  useFactory: async (options: DynamoMetricsModuleOptions): Promise<TraceExemplars> => {
    const { exemplars } = options;
    if (exemplars !== undefined && typeof exemplars !== 'boolean') {
      throw new Error(invalidBooleanOptionMessage('exemplars', exemplars));
    }
    const source = await traceExemplarSource(exemplars);
    // Asked for by name and impossible: say so once, at start-up.
    if (exemplars === true && source === undefined) {
      (options.logger ?? new Logger('DynamoMetrics')).warn(exemplarsWithoutApiMessage);
    }
    return { source };
  },
  inject: [MODULE_OPTIONS_TOKEN],
};

/** One runtime per application instance: two apps in one process never share series. */
export const runtimeProvider: Provider = {
  provide: DistributedRuntime,
  useFactory: (options: DynamoMetricsModuleOptions) => createRuntime(options),
  inject: [MODULE_OPTIONS_TOKEN],
};

export function createRuntime(options: DynamoMetricsModuleOptions): DistributedRuntime {
  const logger = new Logger('DynamoMetrics');
  const runtime = new DistributedRuntime({
    workerId: options.workerId,
    constLabels: options.constLabels,
    uptime: options.uptime,
    maxSeriesPerMetric: options.maxSeriesPerMetric,
    maxLabelValueLength: options.maxLabelValueLength,
    collectTimeoutMs: options.collectTimeoutMs,
    logger: options.logger ?? { warn: (message) => logger.warn(message) },
  });
  // Default metrics are per process: collected once into prom-client's global registry.
  if (options.defaultMetrics && !register.getSingleMetric(DEFAULT_METRICS_PROBE)) {
    collectDefaultMetrics();
  }
  for (const registry of options.includeRegistries ?? [register]) {
    runtime.includeRegistry(
      registry,
      registry === register ? "prom-client's global registry" : undefined,
    );
  }
  return runtime;
}

/** A provider for every level an `Inject…()` decorator asked for so far. */
export function levelProviders(): Provider[] {
  return [...levelRequests].map(([token, request]) => ({
    provide: token,
    useFactory: (
      runtime: DistributedRuntime,
      options: DynamoMetricsModuleOptions,
      accessor: DynamoMetricsMetadataAccessor,
    ) => resolveLevel(runtime, options, accessor, request),
    inject: [DistributedRuntime, MODULE_OPTIONS_TOKEN, DynamoMetricsMetadataAccessor],
  }));
}

function resolveLevel(
  runtime: DistributedRuntime,
  options: DynamoMetricsModuleOptions,
  accessor: DynamoMetricsMetadataAccessor,
  request: LevelRequest,
): RegistryLevel {
  const namespace = (name: string | undefined) =>
    runtime.namespace(name ?? options.namespace ?? DEFAULT_NAMESPACE);
  switch (request.kind) {
    case 'namespace':
      return namespace(request.name);
    case 'component': {
      if (request.ownerClass) {
        const { name, namespace: ns } = accessor.component(request.ownerClass);
        return namespace(ns).component(name);
      }
      return namespace(request.namespace).component(request.name!);
    }
    case 'endpoint':
      return namespace(request.namespace).component(request.component).endpoint(request.endpoint);
  }
}

/** The system status server's settings, its health, the server itself, and the scrape's gate. */
export const systemProviders: Provider[] = [
  {
    provide: SYSTEM_CONFIG,
    useFactory: (options: DynamoMetricsModuleOptions) => {
      const logger = new Logger('DynamoMetrics');
      return resolveSystemConfig(options.system, process.env, (message) => logger.warn(message));
    },
    inject: [MODULE_OPTIONS_TOKEN],
  },
  {
    provide: SystemHealth,
    useFactory: (config: SystemServerConfig, runtime: DistributedRuntime) =>
      new SystemHealth({
        startingStatus: config.startingHealthStatus,
        useEndpointHealthStatus: config.useEndpointHealthStatus,
        uptimeSeconds: () => runtime.uptimeSeconds(),
      }),
    inject: [SYSTEM_CONFIG, DistributedRuntime],
  },
  {
    provide: SCRAPE_GATE,
    useFactory: (options: DynamoMetricsModuleOptions) => {
      const logger = new Logger('DynamoMetrics');
      return new ScrapeGate(
        resolveCredentials(options.auth, process.env, (message) => logger.warn(message)),
        options.auth?.guard !== undefined,
        (message) => logger.error(message),
      );
    },
    inject: [MODULE_OPTIONS_TOKEN],
  },
  {
    provide: SystemStatusServer,
    useFactory: (
      config: SystemServerConfig,
      health: SystemHealth,
      runtime: DistributedRuntime,
      gate: ScrapeGate,
      access: ScrapeAccess,
    ) => {
      const logger = new Logger('DynamoMetrics');
      return new SystemStatusServer({
        config,
        health,
        scrape: (format) => runtime.prometheusExpfmtBytes(format),
        gate: gate.enabled ? gate : undefined,
        guardOf: (request, response) => access.guardCall(request, response),
        error: (message) => logger.error(message),
      });
    },
    inject: [SYSTEM_CONFIG, SystemHealth, DistributedRuntime, SCRAPE_GATE, ScrapeAccess],
  },
];
