export type {
  DynamoFrontendOptions,
  FrontendBuckets,
  FrontendEndpoint,
  FrontendErrorType,
  FrontendHttpRequest,
  FrontendMetricsEnvironment,
  FrontendMetricsOptions,
  FrontendRequestType,
} from './frontend-options.interface';
