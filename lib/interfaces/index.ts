export type {
  DynamoMetricsBuckets,
  DynamoMetricsModuleOptions,
  ErrorTypeContext,
  ErrorTypeMapper,
} from './dynamo-metrics-module-options.interface';
