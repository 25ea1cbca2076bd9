import { BucketLayout } from './bucket-layout';
import type { MetricShape } from './metric-shape';
import type { SeriesIdentity, SeriesSource } from './series';

/** One metric as a level holds it: its name, shape and series. Not exported from the package. */
export class RegisteredMetric {
  /** Histograms only: the shared bucket layout. */
  readonly buckets: BucketLayout | undefined;

  constructor(
    readonly name: string,
    readonly shape: MetricShape,
    readonly metric: SeriesSource<SeriesIdentity>,
  ) {
    this.buckets = shape.buckets ? BucketLayout.of(shape.buckets) : undefined;
  }
}
