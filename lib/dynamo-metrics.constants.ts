/** Metadata key of `@DynamoComponent()`. Not exported from the package. */
export const DYNAMO_COMPONENT_METADATA = 'DYNAMO_METRICS:COMPONENT';

/** Default namespace of decorated classes and injected levels. */
export const DEFAULT_NAMESPACE = 'dynamo';

/** Default scrape path. */
export const DEFAULT_METRICS_PATH = '/metrics';

/** A prom-client default metric, to tell whether default metrics are already collected. Not exported from the package. */
export const DEFAULT_METRICS_PROBE = 'process_cpu_user_seconds_total';

/** Metadata key of `@DynamoEndpoint()`. Not exported from the package. */
export const DYNAMO_ENDPOINT_METADATA = 'DYNAMO_METRICS:ENDPOINT';

/** Nest's metadata of a handler's parameters and the type of a `@Req()` one (stable since Nest 5). Not exported from the package. */
export const ROUTE_ARGS_METADATA = '__routeArguments__';
export const REQUEST_PARAM_TYPE = 0;

/** Nest's metadata of a Fastify route's `config` (`@RouteConfig()`). Not exported from the package. */
export const FASTIFY_ROUTE_CONFIG_METADATA = '__fastify_route_config__';

/** Metadata key of `@Timed()`. Not exported from the package. */
export const TIMED_METADATA = 'DYNAMO_METRICS:TIMED';

/** Token of the scrape's credential check (a `ScrapeGate`). Not exported from the package. */
export const SCRAPE_GATE = 'DYNAMO_METRICS:SCRAPE_GATE';

/** Token of the system status server's resolved settings. Not exported from the package. */
export const SYSTEM_CONFIG = 'DYNAMO_METRICS:SYSTEM_CONFIG';

/** Token of the app's `TraceExemplars` (the `exemplars` option). Not exported from the package. */
export const TRACE_EXEMPLARS = 'DYNAMO_METRICS:TRACE_EXEMPLARS';

/** Path of the live page with `ui: true`. */
export const DEFAULT_UI_PATH = '/metrics/ui';
