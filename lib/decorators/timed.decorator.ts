import { SetMetadata } from '@nestjs/common';
import type { ConstLabels } from '../core/interfaces/metric-options.interface';
import { TIMED_METADATA } from '../dynamo-metrics.constants';

/** Options of `@Timed()`. */
export interface TimedOptions {
  /** Histogram buckets; default `DEFAULT_BUCKETS` (Prometheus' defaults). */
  buckets?: readonly number[];
  /** Labels with a fixed value on the histogram. */
  constLabels?: ConstLabels;
}

/** What `@Timed()` records. Not exported from the package. */
export interface TimedMetadata extends TimedOptions {
  name?: string;
}

/**
 * Times every call of a method of a controller or provider (sync, Promise or Observable; a
 * failed call is timed too, and its error passes through) into the histogram
 * `dynamo_component_<name>` on the class's component. Default name:
 * `<method in snake_case>_duration_seconds`.
 */
export const Timed = (name?: string, options: TimedOptions = {}): MethodDecorator =>
  SetMetadata<string, TimedMetadata>(TIMED_METADATA, { name, ...options });
