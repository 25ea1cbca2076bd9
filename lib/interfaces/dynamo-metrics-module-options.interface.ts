/// <reference types="node" preserve="true" />
import type { CanActivate, Type } from '@nestjs/common';
import type { MetricsLogger } from '../core/interfaces/exposition.interface';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConstLabels } from '../core/interfaces/metric-options.interface';
import type { PromClientRegistry } from '../core/prom-client-bridge';
import type { PushgatewayOptions } from '../push/pushgateway';
import type { FrontendMetricsOptions } from '../frontend/interfaces';
import type {
  ScrapeCredentials,
  SystemServerOptions,
} from '../system/interfaces/system-server-options.interface';

/** Where a handler's exception happened, for an {@link ErrorTypeMapper}. */
export interface ErrorTypeContext {
  /** The `dynamo_namespace`, `dynamo_component` and `dynamo_endpoint` values of the handler. */
  readonly namespace: string;
  readonly component: string;
  readonly endpoint: string;
  /** The raw Node request and response (already closed: read, do not write). */
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
}

/** Maps an exception of a handler to an `error_type` value, or `undefined` for the default. */
export type ErrorTypeMapper = (exception: unknown, context: ErrorTypeContext) => string | undefined;

/** Bucket overrides of the histograms the module creates. */
export interface DynamoMetricsBuckets {
  /** `request_duration_seconds` of `@DynamoEndpoint()` handlers. Default `REQUEST_DURATION_BUCKETS` (Dynamo's: 0.005 … 600 s). */
  requestDuration?: readonly number[];
  /** `@Timed()` histograms without buckets of their own. Default `DEFAULT_BUCKETS` (0.005 … 10 s). */
  timed?: readonly number[];
}

/**
 * What `/metrics` requires, on the app's port and the system status server's: credentials
 * (from here or the environment), a guard, or both. Wrong or missing ones get `401`.
 */
export interface DynamoMetricsAuthOptions extends ScrapeCredentials {
  /**
   * A Nest guard (an instance, or a class the module instantiates with its dependencies) run
   * after the credentials: falsy → `403`; an `HttpException` keeps its status; another error or
   * no answer within `collectTimeoutMs` → `500`. On the system status server its request is the
   * raw Node request.
   */
  guard?: CanActivate | Type<CanActivate>;
}

/** Options of `DynamoMetricsModule.forRoot()` / `forRootAsync()`. */
export interface DynamoMetricsModuleOptions {
  /** Namespace of decorated classes and of `@InjectNamespace()` without a name. Default `dynamo`. */
  namespace?: string;
  /** Scrape path on the app's HTTP server; `false` mounts none. Default `/metrics`. */
  path?: string | false;
  /** Whether the app's global prefix (`app.setGlobalPrefix`) applies to `path`. Default `false`. */
  useGlobalPrefix?: boolean;
  /**
   * Collects prom-client's process and Node.js metrics into its global registry (once per
   * process, however many apps ask). Default `false`.
   */
  defaultMetrics?: boolean;
  /**
   * prom-client registries merged into the scrape. Default: prom-client's global registry, which
   * `@willsoto/nestjs-prometheus` and most libraries use. `[]` merges none.
   */
  includeRegistries?: PromClientRegistry[];
  /**
   * The `worker_id` on every `dynamo_component_*` series (not on `dynamo_frontend_*` ones, as in
   * Dynamo): by default the process's id (`defaultWorkerId()`); numbers and bigints in hex,
   * strings as given; `false` leaves it out.
   */
  workerId?: string | number | bigint | false;
  /**
   * In a Node `cluster` worker, answers the primary's `ClusterMetrics` scrapes with this app's
   * scrape. Default `true` (it only applies in cluster workers).
   */
  cluster?: boolean;
  /**
   * Pushes the app's scrape to a Prometheus Pushgateway: every `intervalMs` (if set) and once
   * more at shutdown. For short-lived jobs. Off by default.
   */
  push?: PushgatewayOptions;
  /** Registers `dynamo_component_uptime_seconds`. Default `true`. */
  uptime?: boolean;
  /**
   * Labels with a fixed value on every series of the app's runtime (endpoint metrics, `@Timed()`,
   * injected levels, uptime), e.g. `{ service: 'api' }`. Not on included prom-client registries.
   */
  constLabels?: ConstLabels;
  /** Histogram bucket overrides; a decorator's own `buckets` still come first. */
  buckets?: DynamoMetricsBuckets;
  /**
   * Maps an exception thrown by a `@DynamoEndpoint()` handler to an `error_type` label value;
   * `undefined` keeps the default (`generate`). A decorator's own `errorType` comes first.
   */
  errorType?: ErrorTypeMapper;
  /** Receives what the metrics core reports instead of throwing. Default: Nest's `Logger`. */
  logger?: MetricsLogger;
  /** Series per vec before new label sets go to its overflow series; `Infinity` for no limit. Default `10000`. */
  maxSeriesPerMetric?: number;
  /**
   * The longest label value a vec takes (a string's `length`); a label set with a longer one,
   * e.g. a client's 100 KB model name, goes to the overflow series instead. `Infinity` for no
   * limit. Default `256`.
   */
  maxLabelValueLength?: number;
  /** How long each scrape callback and included prom-client metric may take, in ms. Default `2000`. */
  collectTimeoutMs?: number;
  /**
   * The system status server (Dynamo's `/metrics`, `/health`, `/live` on a port of their own).
   * Every setting falls back to Dynamo's `DYN_SYSTEM_*` environment variable. Off by default
   * (`port: -1`).
   */
  system?: SystemServerOptions;
  /** Protects `/metrics` on both ports. None by default (credentials may come from the environment). */
  auth?: DynamoMetricsAuthOptions;
  /**
   * Dynamo's LLM frontend metrics (`dynamo_frontend_*`) of `@DynamoFrontend()` handlers and the
   * injectable `FrontendMetrics`: the served models, the model limit, bucket overrides.
   */
  frontend?: FrontendMetricsOptions;
  /**
   * Whether `@DynamoEndpoint()` routes may change how the app's HTTP server builds its requests
   * and responses: counting subclasses of Node's `IncomingMessage` / `ServerResponse` (both
   * adapters) and, on Express, objects built with the app's prototypes from the start (which
   * spares Express a prototype change per request). `false` keeps Node's own classes and counts
   * each measured response on its own, as on HTTP/2: the same metrics, more work per request.
   * Default `true`.
   */
  replaceServerClasses?: boolean;
  /**
   * A live page of the scrape on the app's HTTP server: `true` serves it at `/metrics/ui`, a
   * string at that path (the global prefix applies as for `path`). Off by default.
   */
  ui?: boolean | string;
  /**
   * Keeps the active OpenTelemetry span's `trace_id` and `span_id` as exemplars of the request
   * durations (`@DynamoEndpoint()`, `@Timed()`, the frontend's duration and time to first token),
   * written in OpenMetrics scrapes. Default: on when `@opentelemetry/api` is installed; `false`
   * turns it off.
   */
  exemplars?: boolean;
}
