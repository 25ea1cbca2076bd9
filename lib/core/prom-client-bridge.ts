import { externalInvalidMessage } from './core.messages';
import { formatNumber, labelText } from './exposition-text';
import type { MetricType } from './metric-shape';
import { isValidLabelName, isValidMetricName } from './naming';
import { toMetricType } from './sample-names';

/** The part of a prom-client `Registry` the runtime uses (the global one or a user's). */
export interface PromClientRegistry {
  getMetricsAsJSON(): Promise<PromClientMetricJson[]>;
  getMetricsAsArray(): PromClientMetric[];
  getSingleMetric(name: string): unknown;
}

/** A metric as a prom-client registry lists it. */
export interface PromClientMetric {
  name: string;
  type?: unknown;
}

/** prom-client's JSON form of one metric (its typings declare `type` as a numeric enum). */
export interface PromClientMetricJson {
  name: string;
  help: string;
  type: string | number;
  values?: {
    value: number;
    labels?: Record<string, string | number | undefined>;
    sharedLabels?: Record<string, string | number | undefined>;
    metricName?: string;
  }[];
}

/** A family from another library, ready to render. Not exported from the package. */
export interface ExternalFamily {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly source: string;
  /** `metricName` is unset for counter and gauge samples (the family name is used). */
  readonly samples: readonly { metricName?: string; labelText: string; value: number }[];
  /** A histogram or summary with a negative bucket or sum: OpenMetrics forbids its `_sum`. */
  readonly negative: boolean;
}

/**
 * Collects one metric of a prom-client registry, default labels applied, as `getMetricsAsJSON()`
 * would. prom-client collects a registry all or nothing (one `Promise.all` over its metrics), so
 * one metric whose `collect()` throws or hangs would cost all the others: its own
 * `getMetricsAsJSON` is run on a view of the registry that lists only this metric. Picking the
 * metric by name also serves a registry that lists everything regardless.
 */
export async function collectPromClientMetric(
  registry: PromClientRegistry,
  metric: PromClientMetric,
): Promise<PromClientMetricJson | undefined> {
  const view: PromClientRegistry = Object.create(registry, {
    getMetricsAsArray: { value: () => [metric] },
  });
  const collected = await registry.getMetricsAsJSON.call(view);
  return collected.find((json) => json?.name === metric.name);
}

/**
 * A collected metric as a family ready to render, labels sorted with `le`/`quantile` last; or,
 * when it cannot be written validly (bad name, label or value), why not.
 */
export function toExternalFamily(
  metric: PromClientMetricJson,
  source: string,
): ExternalFamily | string {
  const problem = checkMetric(metric);
  if (problem) return externalInvalidMessage(metric?.name, source, problem);
  const values = metric.values ?? [];
  return {
    name: metric.name,
    type: toMetricType(metric.type),
    help: metric.help ?? '',
    source,
    samples: values.map((sample) => ({
      metricName: sample.metricName === metric.name ? undefined : sample.metricName,
      labelText: labelText(sortPairs({ ...sample.sharedLabels, ...sample.labels })),
      value: sample.value,
    })),
    negative: values.some(
      (sample) =>
        (typeof sample.labels?.le === 'number' && sample.labels.le < 0) ||
        (sample.metricName === metric.name + '_sum' && sample.value < 0),
    ),
  };
}

function checkMetric(metric: PromClientMetricJson): string | undefined {
  if (typeof metric?.name !== 'string' || !isValidMetricName(metric.name)) return 'invalid name';
  if (metric.help !== undefined && typeof metric.help !== 'string') return 'help is not a string';
  if (metric.values !== undefined && !Array.isArray(metric.values)) return 'values is not an array';
  for (const sample of metric.values ?? []) {
    if (typeof sample?.value !== 'number') return `a sample has the value ${String(sample?.value)}`;
    if (sample.metricName !== undefined && !isValidMetricName(sample.metricName)) {
      return `invalid sample name ${JSON.stringify(sample.metricName)}`;
    }
    for (const label of Object.keys({ ...sample.sharedLabels, ...sample.labels })) {
      if (!isValidLabelName(label)) return `invalid label name ${JSON.stringify(label)}`;
    }
  }
  return undefined;
}

function sortPairs(labels: Record<string, string | number | undefined>): [string, string][] {
  const rank = (name: string) => (name === 'le' || name === 'quantile' ? 1 : 0);
  return Object.entries(labels)
    .filter((pair): pair is [string, string | number] => pair[1] !== undefined)
    .map(([name, value]): [string, string] => [
      name,
      typeof value === 'number' ? formatNumber(value) : String(value),
    ])
    .sort((a, b) => rank(a[0]) - rank(b[0]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
