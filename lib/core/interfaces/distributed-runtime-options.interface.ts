import type { MetricsLogger } from './exposition.interface';
import type { ConstLabels } from './metric-options.interface';

/** Options of a {@link DistributedRuntime}. */
export interface DistributedRuntimeOptions {
  /**
   * The `worker_id` on every series of the hierarchy (Dynamo's instance id; not on prefixed
   * registries such as the frontend's, nor on included prom-client registries). By default the
   * process's id (`defaultWorkerId()`: 16 random lower-case hex digits, one per process);
   * numbers and bigints are written in lower-case hex, strings as given; `false` leaves it out.
   */
  workerId?: string | number | bigint | false;
  /**
   * Labels with a fixed value on every series of the runtime, after `worker_id` (as prom-client's
   * `setDefaultLabels`; included prom-client registries keep their own). Names may not be an auto
   * label, `worker_id` or `le`; a metric may not declare them again. None by default.
   */
  constLabels?: ConstLabels;
  /** Registers `dynamo_component_uptime_seconds`. Default `true`. */
  uptime?: boolean;
  /** Receives problems that do not throw (failed callbacks, late name clashes). Default `console`. */
  logger?: MetricsLogger;
  /**
   * The series a vec holds before new label sets go to its one overflow series (every label
   * `__overflow__`), counted in `dynamo_metrics_series_overflow_total`: a positive integer, or
   * `Infinity` for no limit. A metric's `maxSeries` overrides it. Default `10000`.
   */
  maxSeriesPerMetric?: number;
  /**
   * The longest label value a vec takes, in UTF-16 code units (a string's `length`): a label set
   * with a longer value never becomes a series; it goes to the vec's overflow series, is warned
   * about once per metric and counted in `dynamo_metrics_series_overflow_total`. A positive
   * integer, or `Infinity` for no limit. A metric's `maxLabelValueLength` overrides it.
   * Default `256`.
   */
  maxLabelValueLength?: number;
  /**
   * How long each update callback, expfmt callback and included prom-client metric may take per
   * scrape, in milliseconds; one that takes longer is left out of that scrape, and of later ones
   * until it settles. A positive integer up to 2147483647, or `Infinity` to wait for ever.
   * Default `2000`.
   */
  collectTimeoutMs?: number;
}
