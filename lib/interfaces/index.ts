export type { DynamoMetricsModuleOptions } from './dynamo-metrics-module-options.interface';
