import type { BucketLayout } from './bucket-layout';
import { notANumberMessage } from './core.messages';
import {
  assertExemplarLabels,
  ExemplarSlots,
  type ExemplarLabels,
  type ExemplarSample,
} from './exemplar';

/** A histogram: one series. `observe(v)`, `observeWithExemplar(v, labels)`, `startTimer()`. */
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
  /** The latest exemplar per bucket, from the first one on (OpenMetrics only). @internal */
  exemplars: ExemplarSlots | undefined = undefined;

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
   * Observes `value` and keeps `labels` (e.g. `{ trace_id, span_id }`) as the exemplar of its
   * bucket, with the value and the time: the latest one per bucket, written only in OpenMetrics
   * scrapes. Throws, observing nothing, when the label names and values together are longer than
   * the 128 characters OpenMetrics allows. A copy of `labels` is kept.
   */
  observeWithExemplar(value: number, labels: ExemplarLabels): void {
    assertExemplarLabels(this.name, labels);
    this.observeExemplar(value, Object.freeze({ ...labels }));
  }

  /** `observeWithExemplar` with labels known to be valid (a trace's ids). @internal */
  observeExemplar(value: number, labels: ExemplarLabels): void {
    this.observe(value);
    // Found again rather than returned by `observe`, whose path stays as it was.
    const bounds = this.upperBounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    (this.exemplars ??= new ExemplarSlots(bounds.length + 1)).set(i, value, labels);
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

  /** The latest exemplar of each bucket that has one, by upper bound. */
  getExemplars(): ExemplarSample[] {
    const slots = this.exemplars;
    const found: ExemplarSample[] = [];
    if (slots === undefined) return found;
    for (let i = 0; i < slots.labels.length; i++) {
      const labels = slots.labels[i];
      if (labels === undefined) continue;
      found.push({
        le: i < this.upperBounds.length ? this.upperBounds[i] : Infinity,
        labels,
        value: slots.values[i],
        timestamp: slots.timestamps[i],
      });
    }
    return found;
  }

  /** @internal */
  collectSeries(): readonly Histogram[] {
    return [this];
  }
}
