import { REQUEST_DURATION_BUCKETS } from './core.constants';
import type { Counter, IntCounter } from './counter';
import type { Endpoint } from './endpoint';
import type { IntGauge } from './gauge';
import type { Histogram } from './histogram';
import type { ConstLabels } from './interfaces/metric-options.interface';
import type { IntCounterVec } from './metric-vec';

/** Dynamo's `error_type` values of `dynamo_component_errors_total`. */
export const WORK_HANDLER_ERROR_TYPES = Object.freeze([
  'deserialization',
  'invalid_message',
  'response_stream',
  'generate',
  'publish_response',
  'publish_final',
] as const);

/** Options of {@link WorkHandlerMetrics}. */
export interface WorkHandlerMetricsOptions {
  /** Added to every one of the endpoint's metrics (e.g. `{ model: 'llama' }`). */
  constLabels?: ConstLabels;
  /** Buckets of `request_duration_seconds`. Default `REQUEST_DURATION_BUCKETS` (Dynamo's). */
  buckets?: readonly number[];
}

/**
 * Dynamo's work-handler metrics of one endpoint (spec 7.2), with its names, help texts and
 * buckets, created once; every field is a bound series, so recording is a number update.
 */
export class WorkHandlerMetrics {
  readonly requests: IntCounter;
  readonly duration: Histogram;
  readonly inflight: IntGauge;
  readonly requestBytes: IntCounter;
  readonly responseBytes: IntCounter;
  readonly errors: IntCounterVec;
  readonly cancellations: IntCounter;
  /** Dynamo's types, bound up front. */
  private readonly errorChildren = new Map<string, Counter>();

  constructor(endpoint: Endpoint, options: WorkHandlerMetricsOptions = {}) {
    const opts = { constLabels: options.constLabels };
    this.requests = endpoint.createIntCounter(
      'requests_total',
      'Total number of requests processed by work handler',
      opts,
    );
    this.duration = endpoint.createHistogram(
      'request_duration_seconds',
      'Time spent processing requests by work handler',
      { ...opts, buckets: options.buckets ?? REQUEST_DURATION_BUCKETS },
    );
    this.inflight = endpoint.createIntGauge(
      'inflight_requests',
      'Number of requests currently being processed by work handler',
      opts,
    );
    this.requestBytes = endpoint.createIntCounter(
      'request_bytes_total',
      'Total number of bytes received in requests by work handler',
      opts,
    );
    this.responseBytes = endpoint.createIntCounter(
      'response_bytes_total',
      'Total number of bytes sent in responses by work handler',
      opts,
    );
    this.errors = endpoint.createIntCounterVec(
      'errors_total',
      'Total number of errors in work handler processing',
      ['error_type'],
      opts,
    );
    this.cancellations = endpoint.createIntCounter(
      'cancellation_total',
      'Total number of requests cancelled by work handler',
      opts,
    );
    for (const type of WORK_HANDLER_ERROR_TYPES)
      this.errorChildren.set(type, this.errors.withLabelValues(type));
  }

  /**
   * Counts one error of `type`. Dynamo's types are bound up front; others are looked up in the
   * vec, which caches them up to its series limit (a type may come from a request).
   */
  error(type: string): void {
    (this.errorChildren.get(type) ?? this.errors.withLabelValues(type)).inc();
  }
}
