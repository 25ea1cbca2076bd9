// The public API. Everything else is internal.
export {
  AUTO_LABELS,
  COMPONENT_LABEL,
  COMPONENT_METRIC_PREFIX,
  DEFAULT_BUCKETS,
  ENDPOINT_LABEL,
  NAMESPACE_LABEL,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  REQUEST_DURATION_BUCKETS,
  WORKER_ID_LABEL,
} from './core/core.constants';
export { Component } from './core/component';
export { Counter, IntCounter } from './core/counter';
export { DistributedRuntime } from './core/distributed-runtime';
export { Endpoint } from './core/endpoint';
export { formatNumber } from './core/exposition-text';
export { Gauge, IntGauge } from './core/gauge';
export { Histogram } from './core/histogram';
export type { DistributedRuntimeOptions } from './core/interfaces/distributed-runtime-options.interface';
export type {
  ExpfmtCallback,
  ExpositionFormat,
  MetricsLogger,
  UpdateCallback,
} from './core/interfaces/exposition.interface';
export type {
  ConstLabels,
  HistogramOptions,
  MetricOptions,
} from './core/interfaces/metric-options.interface';
export type { MetricsRegistry } from './core/interfaces/metrics-registry.interface';
export type { LabelValue } from './core/label-layout';
export type { MetricType } from './core/metric-shape';
export {
  MetricVec,
  type CounterVec,
  type GaugeVec,
  type HistogramVec,
  type IntCounterVec,
  type IntGaugeVec,
} from './core/metric-vec';
export { Namespace } from './core/namespace';
export { sanitizeLabelName, sanitizeMetricName } from './core/naming';
export type { PromClientRegistry } from './core/prom-client-bridge';
export type { RegistryLevel } from './core/registry-level';
