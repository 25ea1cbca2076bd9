/** Metadata key of `@DynamoComponent()`. @internal */
export const DYNAMO_COMPONENT_METADATA = 'DYNAMO_METRICS:COMPONENT';

/** Default namespace of decorated classes and injected levels. */
export const DEFAULT_NAMESPACE = 'dynamo';

/** Default scrape path. */
export const DEFAULT_METRICS_PATH = '/metrics';

/** A prom-client default metric, to tell whether default metrics are already collected. @internal */
export const DEFAULT_METRICS_PROBE = 'process_cpu_user_seconds_total';
