import type { MetricType } from './metric-shape';

const PROM_CLIENT_TYPES: Record<string, MetricType> = {
  counter: 'counter',
  gauge: 'gauge',
  histogram: 'histogram',
  summary: 'summary',
};

/** prom-client's type string (or anything else) as a family type. */
export function toMetricType(type: unknown): MetricType {
  return (typeof type === 'string' && PROM_CLIENT_TYPES[type]) || 'untyped';
}

/**
 * Every sample name a family writes in either format: a histogram also `_bucket`, `_sum` and
 * `_count`; a counter its name with and without `_total` (OpenMetrics names the family without
 * it and the sample with it). Two families that share one of these break the scrape.
 */
export function sampleNames(name: string, type: MetricType): string[] {
  switch (type) {
    case 'counter':
      return name.endsWith('_total') ? [name, name.slice(0, -6)] : [name, name + '_total'];
    case 'histogram':
      return [name, name + '_bucket', name + '_sum', name + '_count'];
    case 'summary':
      return [name, name + '_sum', name + '_count'];
    default:
      return [name];
  }
}
