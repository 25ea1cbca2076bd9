import { MAX_EXEMPLAR_LABELS_LENGTH } from './core.constants';
import {
  exemplarTooLongMessage,
  invalidExemplarLabelsMessage,
  invalidLabelNameMessage,
} from './core.messages';
import { escapeLabelValue, formatNumber } from './exposition-text';
import { isValidLabelName } from './naming';

/** The label set of an exemplar, e.g. `{ trace_id, span_id }`: written in its key order. */
export type ExemplarLabels = Readonly<Record<string, string>>;

/** One bucket's latest exemplar, as `Histogram.getExemplars()` reports it. */
export interface ExemplarSample {
  /** Upper bound of the bucket the observation fell into (`Infinity`: `+Inf`). */
  readonly le: number;
  readonly labels: ExemplarLabels;
  /** The observed value. */
  readonly value: number;
  /** When it was observed: seconds since the epoch, with millisecond precision. */
  readonly timestamp: number;
}

/**
 * The latest exemplar of each bucket of one series, allocated on its first exemplar: a
 * histogram that never gets one holds `undefined`. Not exported from the package.
 */
export class ExemplarSlots {
  readonly labels: (ExemplarLabels | undefined)[];
  readonly values: Float64Array;
  readonly timestamps: Float64Array;

  constructor(buckets: number) {
    this.labels = new Array<ExemplarLabels | undefined>(buckets).fill(undefined);
    this.values = new Float64Array(buckets);
    this.timestamps = new Float64Array(buckets);
  }

  set(bucket: number, value: number, labels: ExemplarLabels): void {
    this.labels[bucket] = labels;
    this.values[bucket] = value;
    this.timestamps[bucket] = Date.now() / 1000;
  }
}

/**
 * Checks an exemplar's label set: valid names, string values, and at most 128 code points of
 * names and values together (OpenMetrics). Throws what was wrong. Not exported from the package.
 */
export function assertExemplarLabels(metric: string, labels: unknown): void {
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) {
    throw new Error(invalidExemplarLabelsMessage(metric, labels));
  }
  let length = 0;
  for (const name of Object.keys(labels)) {
    if (!isValidLabelName(name)) throw new Error(invalidLabelNameMessage(name));
    const value: unknown = (labels as Record<string, unknown>)[name];
    if (typeof value !== 'string') throw new Error(invalidExemplarLabelsMessage(metric, labels));
    length += codePoints(name) + codePoints(value.toWellFormed());
  }
  if (length > MAX_EXEMPLAR_LABELS_LENGTH) {
    throw new Error(exemplarTooLongMessage(metric, length, labels));
  }
}

/** ` # {a="x",b="y"} value timestamp`: what follows a bucket's count in OpenMetrics. */
export function exemplarText(slots: ExemplarSlots, bucket: number): string {
  const labels = slots.labels[bucket]!;
  let pairs = '';
  for (const name of Object.keys(labels)) {
    pairs += (pairs === '' ? '' : ',') + name + '="' + escapeLabelValue(labels[name]) + '"';
  }
  return (
    ' # {' +
    pairs +
    '} ' +
    formatNumber(slots.values[bucket]) +
    ' ' +
    formatNumber(slots.timestamps[bucket])
  );
}

function codePoints(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // A high surrogate followed by a low one: one code point in two units.
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--;
        i++;
      }
    }
  }
  return count;
}
