// Names, help texts and label values of Dynamo's frontend metrics (spec 8 and 11.1), with the names of
// its environment variables.

/** Metadata key of `@DynamoFrontend()`. Not exported from the package. */
export const DYNAMO_FRONTEND_METADATA = 'DYNAMO_METRICS:FRONTEND';

/** Nest's metadata of an `@Sse()` handler (stable since Nest 7). Not exported from the package. */
export const SSE_METADATA = '__sse__';

/** Name (after `dynamo_frontend_`) and help text of every frontend family, as Dynamo has them. */
export const FRONTEND_METRICS = Object.freeze({
  requests: ['requests_total', 'Total number of LLM requests processed'],
  inflight: ['inflight_requests', 'Number of inflight requests'],
  queued: ['queued_requests', 'Number of requests in HTTP processing queue'],
  disconnected: ['disconnected_clients', 'Number of disconnected clients'],
  requestDuration: ['request_duration_seconds', 'Duration of LLM requests'],
  inputSequence: ['input_sequence_tokens', 'Input sequence length in tokens'],
  outputSequence: ['output_sequence_tokens', 'Output sequence length in tokens'],
  cachedTokens: ['cached_tokens', 'Number of cached tokens (prefix cache hits) per request'],
  outputTokens: [
    'output_tokens_total',
    'Total number of output tokens generated (updates in real-time)',
  ],
  timeToFirstToken: ['time_to_first_token_seconds', 'Time to first token in seconds'],
  interTokenLatency: ['inter_token_latency_seconds', 'Inter-token latency in seconds'],
  // Spec 11.1: added since.
  requestsStarted: [
    'requests_started_total',
    'Total number of LLM requests accepted by the frontend handler',
  ],
  active: [
    'active_requests',
    'Number of requests currently being handled by the frontend, from HTTP handler entry to response completion',
  ],
  stage: ['stage_requests', 'Number of requests currently in the given pipeline stage'],
  cancellations: ['model_cancellation_total', 'Total number of request cancellations'],
  rejections: [
    'model_rejection_total',
    'Total number of requests rejected due to resource exhaustion',
  ],
  embeddingLatency: [
    'embedding_latency_seconds',
    'End-to-end latency of /v1/embeddings requests, in seconds. Distinct from request_duration_seconds so the bucket range can cover sub-second pooling-model inference.',
  ],
  images: ['images_per_request', 'Number of image_url content parts per request'],
  videos: ['videos_per_request', 'Number of video_url content parts per request'],
  audio: ['audio_per_request', 'Number of audio_url content parts per request'],
  contextLength: [
    'model_context_length',
    'Maximum context length in tokens for a worker serving the model',
  ],
  kvCacheBlockSize: [
    'model_kv_cache_block_size',
    'KV cache block size in tokens for a worker serving the model',
  ],
  totalKvBlocks: [
    'model_total_kv_blocks',
    'Total KV cache blocks available for a worker serving the model',
  ],
  maxNumSeqs: ['model_max_num_seqs', 'Maximum number of sequences for a worker serving the model'],
  maxNumBatchedTokens: [
    'model_max_num_batched_tokens',
    'Maximum number of batched tokens for a worker serving the model',
  ],
} as const);

/** Labels of `dynamo_frontend_requests_total`, in Dynamo's order. */
export const REQUEST_LABELS = Object.freeze([
  'model',
  'endpoint',
  'request_type',
  'status',
  'error_type',
] as const);

/** Labels of `requests_started_total` and `model_cancellation_total`, in Dynamo's order. */
export const STARTED_LABELS = Object.freeze(['model', 'endpoint', 'request_type'] as const);

/** Labels of `model_rejection_total`. */
export const REJECTION_LABELS = Object.freeze(['model', 'endpoint'] as const);

/** Labels of `stage_requests` (no `model`, as in Dynamo). */
export const STAGE_LABELS = Object.freeze(['stage', 'phase'] as const);

/** Dynamo's `phase` values of the `route` and `dispatch` stages. */
export const FRONTEND_PHASES = Object.freeze(['prefill', 'decode', 'aggregated'] as const);

/** The `endpoint` whose requests also observe `embedding_latency_seconds`. */
export const EMBEDDINGS_ENDPOINT = 'embeddings';

/** Dynamo's buckets of the media-count histograms (`images_per_request`, ...). */
export const MEDIA_COUNT_BUCKETS = Object.freeze([
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30, 40, 50, 100,
]);

/** The one variable label of every other frontend family but `disconnected_clients`. */
export const MODEL_LABEL = 'model';

/** Dynamo's `error_type` values (besides `""` on success). */
export const FRONTEND_ERROR_TYPES = Object.freeze([
  'validation',
  'not_found',
  'overload',
  'cancelled',
  'response_timeout',
  'internal',
  'not_implemented',
] as const);

/** The `model` label of a model the app does not declare, when it declares its models (Dynamo's). */
export const UNKNOWN_MODEL = 'unknown_model';

/** Distinct `model` label values kept when the app declares no models; later ones overflow. */
export const DEFAULT_MAX_MODELS = 100;

/** Dynamo's defaults `(min, max, count)` of the log-spaced buckets, and their env var prefix. */
export const FRONTEND_BUCKET_DEFAULTS = Object.freeze({
  requestDuration: { env: 'DYN_METRICS_REQUEST_DURATION', min: 1, max: 512, count: 10 },
  inputSequence: { env: 'DYN_METRICS_INPUT_SEQUENCE', min: 50, max: 128000, count: 12 },
  outputSequence: { env: 'DYN_METRICS_OUTPUT_SEQUENCE', min: 50, max: 32000, count: 10 },
  timeToFirstToken: { env: 'DYN_METRICS_TTFT', min: 0.001, max: 480, count: 18 },
  interTokenLatency: { env: 'DYN_METRICS_ITL', min: 0.001, max: 2, count: 13 },
  embeddingLatency: { env: 'DYN_METRICS_EMBEDDING_LATENCY', min: 0.001, max: 10, count: 14 },
} as const);

/**
 * Dynamo's deprecated prefix of the same variables, read as a fallback with a warning: it was
 * once prepended to names that already start with `DYN_METRICS_`
 * (`DYN_HISTOGRAM_DYN_METRICS_ITL_MAX`).
 */
export const DEPRECATED_BUCKET_ENV_PREFIX = 'DYN_HISTOGRAM_';
