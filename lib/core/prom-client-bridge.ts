import { externalInvalidMessage } from './core.messages';
import { formatNumber, labelText } from './exposition-text';
import type { MetricType } from './metric-shape';
import { isValidLabelName, isValidMetricName } from './naming';
import { toMetricType } from './sample-names';

/** The part of a prom-client `Registry` the runtime uses (the global one or a user's). */
export interface PromClientRegistry {
  getMetricsAsJSON(): Promise<PromClientMetricJson[]>;
  getMetricsAsArray(): { name: string; type?: unknown }[];
  getSingleMetric(name: string): unknown;
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
 * Reads a prom-client registry into families; labels sorted with `le`/`quantile` last. A family
 * that cannot be written validly (bad name, label or value) is left out and reported.
 */
export async function readPromClientRegistry(
  registry: PromClientRegistry,
  source: string,
  report: (message: string) => void,
): Promise<ExternalFamily[]> {
  const families: ExternalFamily[] = [];
  for (const metric of await registry.getMetricsAsJSON()) {
    const problem = checkMetric(metric);
    if (problem) {
      report(externalInvalidMessage(metric?.name, source, problem));
      continue;
    }
    const values = metric.values ?? [];
    families.push({
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
    });
  }
  return families;
}

function checkMetric(metric: PromClientMetricJson): string | undefined {
  if (typeof metric?.name !== 'string' || !isValidMetricName(metric.name)) return 'invalid name';
  if (metric.help !== undefined && typeof metric.help !== 'string') return 'help is not a string';
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
