export type {
  DynamoMetricsAuthOptions,
  DynamoMetricsBuckets,
  DynamoMetricsModuleOptions,
  ErrorTypeContext,
  ErrorTypeMapper,
} from './dynamo-metrics-module-options.interface';
