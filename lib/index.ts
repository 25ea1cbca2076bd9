// The public API. Everything else is internal.
export * from './core';

// The Nest integration.
export { DynamoMetricsModule } from './dynamo-metrics.module';
export { DYNAMO_METRICS_OPTIONS } from './dynamo-metrics.module-definition';
export {
  DEFAULT_METRICS_PATH,
  DEFAULT_NAMESPACE,
  DEFAULT_UI_PATH,
} from './dynamo-metrics.constants';
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

// Microservices and WebSocket gateways (the handlers are found by the module).
export { countDeserializationErrors } from './rpc/counting-deserializer';
export type { RpcDeserializer } from './rpc/counting-deserializer';

// Node cluster: the primary's merged scrape; workers answer it (the module does so by itself).
export { ClusterMetrics } from './cluster/cluster-metrics';
export type { ClusterMetricsOptions, ClusterMetricsServer } from './cluster/cluster-metrics';
export { serveClusterScrapes } from './cluster/cluster-worker';

// Pushgateway (short-lived jobs): the module's `push` option, or by hand.
export { PushgatewayPusher } from './push/pushgateway';
export type { PushgatewayOptions } from './push/pushgateway';
