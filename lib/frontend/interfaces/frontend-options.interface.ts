import type { ExemplarLabels } from '../../core/exemplar';
import type { MetricsLogger } from '../../core/interfaces/exposition.interface';
import type { FRONTEND_ERROR_TYPES, FRONTEND_PHASES } from '../frontend.constants';

/** Dynamo's `error_type` values of a failed frontend request. */
export type FrontendErrorType = (typeof FRONTEND_ERROR_TYPES)[number];

/** `request_type`: a streamed response (SSE, NDJSON, any stream of chunks) or one answer. */
export type FrontendRequestType = 'stream' | 'unary';

/** The `phase` of the `route` and `dispatch` stages (`stage_requests`). */
export type FrontendPhase = (typeof FRONTEND_PHASES)[number];

/** Dynamo's `endpoint` values; any other name is allowed. */
export type FrontendEndpoint =
  | 'chat_completions'
  | 'completions'
  | 'embeddings'
  | 'responses'
  | 'anthropic_messages'
  | (string & Record<never, never>);

/**
 * Buckets of the frontend histograms, overriding Dynamo's log-spaced defaults (and its
 * `DYN_METRICS_*` environment variables). `cached_tokens` uses the input-sequence buckets, as in
 * Dynamo.
 */
export interface FrontendBuckets {
  requestDuration?: readonly number[];
  inputSequence?: readonly number[];
  outputSequence?: readonly number[];
  timeToFirstToken?: readonly number[];
  interTokenLatency?: readonly number[];
  /** `embedding_latency_seconds` (requests with `endpoint: 'embeddings'`). */
  embeddingLatency?: readonly number[];
}

/**
 * A served model with its worker's configuration, each number published as a
 * `dynamo_frontend_model_*{model}` gauge (omitted ones are not published).
 */
export interface FrontendModel {
  /** The model name (the `model` label is its lower-cased form). */
  name: string;
  /** `model_context_length`: maximum context length in tokens. */
  contextLength?: number;
  /** `model_kv_cache_block_size`: KV cache block size in tokens. */
  kvCacheBlockSize?: number;
  /** `model_total_kv_blocks`: KV cache blocks available. */
  totalKvBlocks?: number;
  /** `model_max_num_seqs`: maximum number of sequences. */
  maxNumSeqs?: number;
  /** `model_max_num_batched_tokens`: maximum number of batched tokens. */
  maxNumBatchedTokens?: number;
}

/** Options of the frontend metrics: the module's `frontend` option, or `new FrontendMetrics()`. */
export interface FrontendMetricsOptions {
  /**
   * The models the app serves. A request for another model gets the `model` label
   * `unknown_model` (Dynamo's rule), and counts as `not_found` if it fails. Without a list, the
   * first `maxModels` distinct names are kept and later ones get `__overflow__`.
   * `FrontendMetrics.declareModels()` changes the list at run time. An entry is a name, or a
   * `FrontendModel` that also publishes its worker's configuration gauges.
   */
  models?: readonly (string | FrontendModel)[];
  /** Without a model list: distinct `model` label values kept. Default `100`. */
  maxModels?: number;
  /** Bucket overrides; default Dynamo's, or its `DYN_METRICS_<NAME>_{MIN,MAX,COUNT}` variables. */
  buckets?: FrontendBuckets;
  /**
   * Puts `dynamo_namespace` on every `dynamo_frontend_*` series, for setups where nothing adds it
   * at scrape time (Dynamo's Kubernetes PodMonitor relabels it from a pod label; its SLA planner
   * keeps only series whose `dynamo_namespace` is its `DYN_NAMESPACE`). A string is the value;
   * `true` is the Nest module's `namespace` as given (not sanitized as the components' label is:
   * the planner compares with `DYN_NAMESPACE` as it is). With `FrontendMetrics` on its own, give
   * the string.
   * Off by default, as in Dynamo's own output.
   */
  namespaceLabel?: string | boolean;
}

/** Where `FrontendMetrics` reads the bucket variables and reports problems. Default: `process.env`, `console`. */
export interface FrontendMetricsEnvironment {
  env?: Readonly<Record<string, string | undefined>>;
  logger?: MetricsLogger;
  /**
   * Read when a request starts: labels (e.g. a trace's `trace_id`, `span_id`) kept as the
   * exemplar of its duration and time to first token, or `undefined` for none. The module passes
   * the active OpenTelemetry span's (its `exemplars` option).
   */
  exemplar?: () => ExemplarLabels | undefined;
}

/** The request that `@DynamoFrontend()` option functions get: Express's `req` or Fastify's request. */
export interface FrontendHttpRequest {
  /** The parsed body, e.g. an OpenAI request (`model`, `stream`, `messages`). */
  readonly body?: {
    readonly model?: unknown;
    readonly stream?: unknown;
    readonly [field: string]: unknown;
  } | null;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** Options of `@DynamoFrontend()`. */
export interface DynamoFrontendOptions<TRequest = FrontendHttpRequest> {
  /** The `endpoint` label: `chat_completions`, `completions`, `embeddings`, `responses`, ... */
  endpoint: FrontendEndpoint;
  /** The model: a fixed name, or read from the request. Default: the body's `model`. */
  model?: string | ((request: TRequest) => string | undefined);
  /**
   * `stream` or `unary`. Default: `stream` for an `@Sse()` handler, else the body's `stream`
   * flag (OpenAI's), else `stream` when the handler returns a stream (async iterable), else `unary`.
   */
  requestType?: FrontendRequestType | ((request: TRequest) => FrontendRequestType | undefined);
  /** The input sequence length, when the response carries no `usage.prompt_tokens`. */
  inputTokens?: (request: TRequest) => number | undefined;
  /**
   * Output tokens in one streamed chunk (or a unary answer). Default: one per choice whose delta
   * carries text (`content`, `reasoning_content`, `reasoning`, `text`) or tool calls; a
   * `usage.completion_tokens` in the stream then sets the total.
   */
  countTokens?: (chunk: unknown) => number;
  /** Maps an exception to an `error_type` before the default mapping (by HTTP status). */
  errorType?: (exception: unknown) => string | undefined;
}
