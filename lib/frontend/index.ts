export { countChunkTokens } from './chunk-reader';
export { errorTypeOfException, errorTypeOfStatus } from './frontend-error-type';
export { FrontendMetrics } from './frontend-metrics';
export { FrontendRequest } from './frontend-request';
export { recordMediaParts } from './media-parts';
export {
  DEFAULT_MAX_MODELS,
  FRONTEND_BUCKET_DEFAULTS,
  FRONTEND_ERROR_TYPES,
  FRONTEND_PHASES,
  MEDIA_COUNT_BUCKETS,
  UNKNOWN_MODEL,
} from './frontend.constants';
export type * from './interfaces';
