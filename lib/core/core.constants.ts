/** Prefix of every metric created through the hierarchy (Dynamo's `name_prefix::COMPONENT`). */
export const COMPONENT_METRIC_PREFIX = 'dynamo_component_';

/** Prefix of Dynamo's LLM HTTP frontend metrics (`name_prefix::FRONTEND`), outside the hierarchy. */
export const FRONTEND_METRIC_PREFIX = 'dynamo_frontend_';

/** Auto labels, by position in the hierarchy. */
export const NAMESPACE_LABEL = 'dynamo_namespace';
export const COMPONENT_LABEL = 'dynamo_component';
export const ENDPOINT_LABEL = 'dynamo_endpoint';
/** The instance label on every series of the hierarchy (by default the process's id), as Dynamo's. */
export const WORKER_ID_LABEL = 'worker_id';

export const AUTO_LABELS: readonly string[] = Object.freeze([
  NAMESPACE_LABEL,
  COMPONENT_LABEL,
  ENDPOINT_LABEL,
]);

/** Prometheus' default histogram buckets, as Dynamo uses them. */
export const DEFAULT_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/**
 * Dynamo's request-duration buckets for work handlers (2026): the defaults stop at 10 s, which
 * flattens every quantile of slow LLM requests.
 */
export const REQUEST_DURATION_BUCKETS: readonly number[] = Object.freeze([
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300, 600,
]);

/** Default of `maxSeriesPerMetric`: the series one vec holds before new label sets overflow. */
export const DEFAULT_MAX_SERIES_PER_METRIC = 10_000;
/** The value of every variable label of a vec's overflow series. */
export const OVERFLOW_LABEL_VALUE = '__overflow__';
/**
 * Default of `maxLabelValueLength`: the longest label value (in UTF-16 code units, JavaScript's
 * `length`) a vec takes; a longer one sends its label set to the overflow series.
 */
export const DEFAULT_MAX_LABEL_VALUE_LENGTH = 256;
/** A runtime-level family, named in full: it reports on the metrics, it is not a component's. */
export const SERIES_OVERFLOW_METRIC = 'dynamo_metrics_series_overflow_total';
export const SERIES_OVERFLOW_HELP =
  'Lookups of label sets sent to the overflow series: the metric reached its series limit, or a label value was too long or reserved';
/** The label of `dynamo_metrics_series_overflow_total` that names the full metric. */
export const SERIES_OVERFLOW_LABEL = 'metric';

/** Default of `collectTimeoutMs`: how long one callback or prom-client metric may take per scrape. */
export const DEFAULT_COLLECT_TIMEOUT_MS = 2000;
/** The longest delay `setTimeout` honours; longer ones fire at once. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

export const UPTIME_METRIC = 'uptime_seconds';
export const UPTIME_HELP = 'Total uptime of the DistributedRuntime in seconds';

/** Content types of the two exposition formats. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_CONTENT_TYPE =
  'application/openmetrics-text; version=1.0.0; charset=utf-8';

/** The longest label set an OpenMetrics exemplar may have: names and values, in code points. */
export const MAX_EXEMPLAR_LABELS_LENGTH = 128;
