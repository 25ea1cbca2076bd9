/** Constant labels: a record, or `[name, value]` pairs (duplicates are reported). */
export type ConstLabels =
  Readonly<Record<string, string>> | ReadonlyArray<readonly [string, string]>;

/** Options of every `create*` method. */
export interface MetricOptions {
  /** Labels with a fixed value on every series of this metric. */
  constLabels?: ConstLabels;
  /** OpenMetrics unit (`seconds`, `bytes`, ...); the name must end with `_<unit>`. */
  unit?: string;
  /**
   * Vecs only: the series this metric holds before new label sets go to its overflow series
   * (a positive integer, or `Infinity`). Default: the runtime's `maxSeriesPerMetric`.
   */
  maxSeries?: number;
  /**
   * Vecs only: the longest label value this metric takes, in UTF-16 code units (a string's
   * `length`); a label set with a longer value goes to its overflow series (a positive integer,
   * or `Infinity`). Default: the runtime's `maxLabelValueLength`.
   */
  maxLabelValueLength?: number;
}

/** Options of `createHistogram` / `createHistogramVec`. */
export interface HistogramOptions extends MetricOptions {
  /** Finite upper bounds, strictly increasing; `+Inf` is implied. Default: Prometheus' defaults. */
  buckets?: readonly number[];
}
