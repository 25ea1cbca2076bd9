export type {
  DynamoFrontendOptions,
  FrontendBuckets,
  FrontendEndpoint,
  FrontendErrorType,
  FrontendHttpRequest,
  FrontendMetricsEnvironment,
  FrontendMetricsOptions,
  FrontendModel,
  FrontendPhase,
  FrontendRequestType,
} from './frontend-options.interface';
