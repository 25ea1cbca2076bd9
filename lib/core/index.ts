// The framework-free core: usable without Nest (also as `nestjs-dynamo-metrics/core`).
export {
  AUTO_LABELS,
  COMPONENT_LABEL,
  COMPONENT_METRIC_PREFIX,
  DEFAULT_BUCKETS,
  ENDPOINT_LABEL,
  FRONTEND_METRIC_PREFIX,
  NAMESPACE_LABEL,
  OPENMETRICS_CONTENT_TYPE,
  OVERFLOW_LABEL_VALUE,
  PROMETHEUS_CONTENT_TYPE,
  REQUEST_DURATION_BUCKETS,
  WORKER_ID_LABEL,
} from './core.constants';
export { Component } from './component';
export { Counter, IntCounter } from './counter';
export { DistributedRuntime } from './distributed-runtime';
export type { ExemplarLabels, ExemplarSample } from './exemplar';
export { Endpoint } from './endpoint';
export { formatNumber } from './exposition-text';
export { contentTypeOf, negotiateFormat } from './negotiate-format';
export { Gauge, IntGauge } from './gauge';
export { Histogram } from './histogram';
export type { DistributedRuntimeOptions } from './interfaces/distributed-runtime-options.interface';
export type {
  ExpfmtCallback,
  ExpositionFormat,
  MetricsLogger,
  UpdateCallback,
} from './interfaces/exposition.interface';
export type {
  ConstLabels,
  HistogramOptions,
  MetricOptions,
} from './interfaces/metric-options.interface';
export type { MetricsRegistry } from './interfaces/metrics-registry.interface';
export type { LabelValue } from './label-layout';
export { logBuckets } from './log-buckets';
export type { MetricType } from './metric-shape';
export {
  MetricVec,
  type CounterVec,
  type GaugeVec,
  type HistogramVec,
  type IntCounterVec,
  type IntGaugeVec,
} from './metric-vec';
export { Namespace } from './namespace';
export { sanitizeLabelName, sanitizeMetricName } from './naming';
export { PrefixedRegistry } from './prefixed-registry';
export type { PromClientRegistry } from './prom-client-bridge';
export type { RegistryLevel } from './registry-level';
export {
  WORK_HANDLER_ERROR_TYPES,
  WorkHandlerMetrics,
  type WorkHandlerMetricsOptions,
} from './work-handler-metrics';
export { defaultWorkerId } from './worker-id';

// Dynamo's LLM frontend metrics (`dynamo_frontend_*`): framework-free, so usable from this entry
// too. `@DynamoFrontend()` is in the Nest integration.
export * from '../frontend';
