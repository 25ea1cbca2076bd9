import type { BucketLayout } from './bucket-layout';
import { notANumberMessage } from './core.messages';

/** A histogram: one series. `observe(v)`, `startTimer()`. */
export class Histogram {
  /** Per-bucket (not cumulative) counts; the last slot is the +Inf bucket. A plain array of small
   * integers is far smaller than a typed array per series. @internal */
  readonly counts: number[] = [];
  /** Shared by every histogram with these buckets. @internal */
  readonly upperBounds: Float64Array;
  /** @internal */
  sum = 0;
  /** @internal */
  count = 0;

  /** @internal */
  constructor(
    readonly name: string,
    /** @internal */ readonly labelText: string,
    layout: BucketLayout,
  ) {
    this.upperBounds = layout.upperBounds;
    for (let i = 0; i <= layout.upperBounds.length; i++) this.counts.push(0);
  }

  observe(value: number): void {
    if (typeof value !== 'number' || value !== value) {
      throw new Error(notANumberMessage(this.name, value));
    }
    const bounds = this.upperBounds;
    const n = bounds.length;
    let i = 0;
    while (i < n && value > bounds[i]) i++;
    this.counts[i]++;
    this.sum += value;
    this.count++;
  }

  /**
   * Observes `value` `times` times at once (an integer > 0, not checked): what a chunk of n
   * tokens records for its inter-token latency, in O(1). @internal
   */
  observeTimes(value: number, times: number): void {
    if (typeof value !== 'number' || value !== value) {
      throw new Error(notANumberMessage(this.name, value));
    }
    const bounds = this.upperBounds;
    const n = bounds.length;
    let i = 0;
    while (i < n && value > bounds[i]) i++;
    this.counts[i] += times;
    this.sum += value * times;
    this.count += times;
  }

  /** Starts a timer; calling the returned function observes the elapsed seconds and returns them. */
  startTimer(): () => number {
    const start = performance.now();
    return () => {
      const seconds = (performance.now() - start) / 1000;
      this.observe(seconds);
      return seconds;
    };
  }

  /** Count and sum observed so far, and cumulative bucket counts by upper bound. */
  get(): { count: number; sum: number; buckets: { le: number; count: number }[] } {
    const buckets: { le: number; count: number }[] = [];
    let cumulative = 0;
    for (let i = 0; i < this.counts.length; i++) {
      cumulative += this.counts[i];
      buckets.push({
        le: i < this.upperBounds.length ? this.upperBounds[i] : Infinity,
        count: cumulative,
      });
    }
    return { count: this.count, sum: this.sum, buckets };
  }

  /** @internal */
  collectSeries(): readonly Histogram[] {
    return [this];
  }
}
