import { Module, type DynamicModule, type NestModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { DistributedRuntime } from './core/distributed-runtime';
import { DynamoMetricsMetadataAccessor } from './dynamo-metrics-metadata.accessor';
import {
  type ASYNC_OPTIONS_TYPE,
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN,
  type OPTIONS_TYPE,
} from './dynamo-metrics.module-definition';
import {
  levelProviders,
  runtimeProvider,
  systemProviders,
  traceExemplarsProvider,
} from './dynamo-metrics.providers';
import { DynamoMetricsExplorer } from './dynamo-metrics.explorer';
import { FrontendMetrics } from './frontend/frontend-metrics';
import { frontendProviders } from './frontend/frontend.providers';
import { HttpInstrumentation } from './http/http-instrumentation';
import { MetricsRoute } from './metrics-route';
import { ClusterWorkerHost } from './cluster/cluster-worker.host';
import { PushgatewayHost } from './push/pushgateway.host';
import { MessageHandlerExplorer } from './rpc/message-handler.explorer';
import { ScrapeAccess } from './scrape-access';
import { SystemStatusHost } from './system-status.host';
import { SystemHealth } from './system/system-health';
import { SystemStatusServer } from './system/system-status-server';
import { StatusPageRoute } from './ui/status-page.route';

/**
 * Dynamo's metrics for a Nest app: a `DistributedRuntime` per app, injectable levels, and the
 * scrape route. `DynamoMetricsModule.forRoot({ namespace: 'dynamo' })` in the root module.
 */
@Module({})
export class DynamoMetricsModule extends ConfigurableModuleClass implements NestModule {
  constructor(
    private readonly route: MetricsRoute,
    private readonly instrumentation: HttpInstrumentation,
    private readonly statusPage: StatusPageRoute,
  ) {
    super();
  }

  /** Runs in HTTP apps after the controllers exist and before Nest registers their routes. */
  configure(): void {
    this.route.mount();
    this.statusPage.mount(this.route.path);
    this.instrumentation.install();
  }

  static forRoot(options: OPTIONS_TYPE = {}): DynamicModule {
    return withProviders(super.forRoot({ isGlobal: true, ...options }));
  }

  static forRootAsync(options: ASYNC_OPTIONS_TYPE): DynamicModule {
    return withProviders(super.forRootAsync({ isGlobal: true, ...options }));
  }
}

// Levels are provided for every Inject…() seen when forRoot() runs: decorators run as their
// files load, and the root module's file loads every feature module before its own body.
function withProviders(module: DynamicModule): DynamicModule {
  const levels = levelProviders();
  return {
    ...module,
    imports: [...(module.imports ?? []), DiscoveryModule],
    providers: [
      ...(module.providers ?? []),
      runtimeProvider,
      traceExemplarsProvider,
      DynamoMetricsMetadataAccessor,
      DynamoMetricsExplorer,
      MessageHandlerExplorer,
      ClusterWorkerHost,
      PushgatewayHost,
      HttpInstrumentation,
      MetricsRoute,
      StatusPageRoute,
      ScrapeAccess,
      ...systemProviders,
      SystemStatusHost,
      ...frontendProviders,
      ...levels,
    ],
    exports: [
      ...(module.exports ?? []),
      DistributedRuntime,
      SystemHealth,
      SystemStatusServer,
      FrontendMetrics,
      MODULE_OPTIONS_TOKEN,
      ...levels.map((provider) => (provider as { provide: string | symbol }).provide),
    ],
  };
}
