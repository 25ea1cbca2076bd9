import { Logger, type Provider } from '@nestjs/common';
import { DistributedRuntime } from '../core/distributed-runtime';
import { DEFAULT_NAMESPACE, TRACE_EXEMPLARS } from '../dynamo-metrics.constants';
import { MODULE_OPTIONS_TOKEN } from '../dynamo-metrics.module-definition';
import type { DynamoMetricsModuleOptions } from '../interfaces';
import type { TraceExemplars } from '../trace-exemplars';
import { FrontendMetadataAccessor } from './frontend-metadata.accessor';
import { FrontendMetrics } from './frontend-metrics';
import { FrontendRoutes } from './frontend-routes';

/** The app's `FrontendMetrics` (on its runtime, with the module's `frontend` options). */
export const frontendMetricsProvider: Provider = {
  provide: FrontendMetrics,
  useFactory: (
    runtime: DistributedRuntime,
    options: DynamoMetricsModuleOptions,
    exemplars: TraceExemplars,
  ) => {
    const logger = new Logger('DynamoMetrics');
    const frontend = options.frontend ?? {};
    // `true`: the module's namespace as given, unsanitized: what Dynamo's operator puts in the
    // pod label and DYN_NAMESPACE, which its planner compares with (`default-sglang-agg`).
    const namespaceLabel =
      frontend.namespaceLabel === true
        ? (options.namespace ?? DEFAULT_NAMESPACE)
        : frontend.namespaceLabel;
    return new FrontendMetrics(
      runtime,
      { ...frontend, namespaceLabel },
      {
        logger: options.logger ?? { warn: (message) => logger.warn(message) },
        exemplar: exemplars.source,
      },
    );
  },
  inject: [DistributedRuntime, MODULE_OPTIONS_TOKEN, TRACE_EXEMPLARS],
};

/** Everything `@DynamoFrontend()` needs in the module. Not exported from the package. */
export const frontendProviders: Provider[] = [
  frontendMetricsProvider,
  FrontendMetadataAccessor,
  FrontendRoutes,
];
