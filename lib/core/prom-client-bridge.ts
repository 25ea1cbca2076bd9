import { formatNumber, labelText } from './exposition-text';
import type { MetricType } from './metric-shape';

/** The part of a prom-client `Registry` the runtime uses (the global one or a user's). */
export interface PromClientRegistry {
  getMetricsAsJSON(): Promise<PromClientMetricJson[]>;
  getMetricsAsArray(): { name: string }[];
  getSingleMetric(name: string): unknown;
}

/** prom-client's JSON form of one metric. */
export interface PromClientMetricJson {
  name: string;
  help: string;
  /** prom-client declares a numeric enum here; the values are its type names. */
  type: string | number;
  values?: {
    value: number;
    labels?: Record<string, string | number | undefined>;
    sharedLabels?: Record<string, string | number | undefined>;
    metricName?: string;
  }[];
}

/** A family from another library, ready to render. @internal */
export interface ExternalFamily {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly source: string;
  /** `metricName` is unset for counter and gauge samples (the family name is used). */
  readonly samples: readonly { metricName?: string; labelText: string; value: number }[];
}

const TYPES: Record<string, MetricType> = {
  counter: 'counter',
  gauge: 'gauge',
  histogram: 'histogram',
  summary: 'summary',
};

/** Reads a prom-client registry into families; labels are sorted with `le`/`quantile` last. @internal */
export async function readPromClientRegistry(
  registry: PromClientRegistry,
  source: string,
): Promise<ExternalFamily[]> {
  const metrics = await registry.getMetricsAsJSON();
  return metrics.map((metric) => ({
    name: metric.name,
    type: TYPES[metric.type] ?? 'untyped',
    help: metric.help,
    source,
    samples: (metric.values ?? []).map((sample) => ({
      metricName: sample.metricName === metric.name ? undefined : sample.metricName,
      labelText: labelText(sortPairs({ ...sample.sharedLabels, ...sample.labels })),
      value: sample.value,
    })),
  }));
}

function sortPairs(labels: Record<string, string | number | undefined>): [string, string][] {
  const rank = (name: string) => (name === 'le' || name === 'quantile' ? 1 : 0);
  return Object.entries(labels)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]): [string, string] => [
      name,
      typeof value === 'number' ? formatNumber(value) : String(value),
    ])
    .sort((a, b) => rank(a[0]) - rank(b[0]) || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
