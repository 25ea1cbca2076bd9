export type {
  DynamoMetricsModuleOptions,
  ErrorTypeMapper,
} from './dynamo-metrics-module-options.interface';
