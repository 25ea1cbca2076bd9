import type { MetricsLogger } from '../core/interfaces/exposition.interface';
import type { PromClientRegistry } from '../core/prom-client-bridge';

/** Maps an exception of a handler to an `error_type` value, or `undefined` for the default. */
export type ErrorTypeMapper = (exception: unknown) => string | undefined;

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
  /** Adds `worker_id` to every series (numbers in hex). Off by default. */
  workerId?: string | number | bigint;
  /** Registers `dynamo_component_uptime_seconds`. Default `true`. */
  uptime?: boolean;
  /**
   * Buckets of `dynamo_component_request_duration_seconds` for `@DynamoEndpoint()` handlers.
   * Default `REQUEST_DURATION_BUCKETS` (Dynamo's: 0.005 … 600 s).
   */
  requestDurationBuckets?: readonly number[];
  /**
   * Maps an exception thrown by a `@DynamoEndpoint()` handler to an `error_type` label value;
   * `undefined` keeps the default (`generate`). A decorator's own `errorType` comes first.
   */
  errorType?: ErrorTypeMapper;
  /** Receives what the metrics core reports instead of throwing. Default: Nest's `Logger`. */
  logger?: MetricsLogger;
}
