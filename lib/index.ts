// The public API. Everything else is internal.
export * from './core';

// The Nest integration.
export { DynamoMetricsModule } from './dynamo-metrics.module';
export { DYNAMO_METRICS_OPTIONS } from './dynamo-metrics.module-definition';
export { DEFAULT_METRICS_PATH, DEFAULT_NAMESPACE } from './dynamo-metrics.constants';
export * from './decorators';
export { SystemHealth } from './system/system-health';
export type { HealthReport, HealthStatus } from './system/system-health';
export { SystemStatusServer } from './system/system-status-server';
export type {
  ScrapeCredentials,
  SystemServerOptions,
} from './system/interfaces/system-server-options.interface';
export type {
  DynamoMetricsAuthOptions,
  DynamoMetricsBuckets,
  DynamoMetricsModuleOptions,
  ErrorTypeContext,
  ErrorTypeMapper,
} from './interfaces';
