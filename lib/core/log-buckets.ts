import { invalidLogBucketsMessage } from './core.messages';

/** The most buckets `logBuckets` makes (Dynamo's `MAX_BUCKET_COUNT`). */
export const MAX_LOG_BUCKETS = 512;

/**
 * Dynamo's `generate_log_buckets(min, max, count)`: `0`, then `min · (max/min)^(i/(count-1))`
 * for `i = 1 … count-1` (the last is `max`), each rounded to 2 significant figures (half away
 * from zero), consecutive duplicates removed. `logBuckets(0.001, 480, 18)` gives Dynamo's
 * time-to-first-token buckets `0, 0.0022, 0.0047, 0.01, … 220, 480`.
 */
export function logBuckets(min: number, max: number, count: number): number[] {
  if (!isLogBucketRange(min, max, count)) {
    throw new Error(invalidLogBucketsMessage(min, max, count));
  }
  const buckets = [0];
  // As Dynamo computes it, operation for operation, so that the same inputs round alike.
  const logMin = Math.log(min);
  const logMax = Math.log(max);
  for (let i = 1; i < count; i++) {
    const value = roundTo2SignificantFigures(
      Math.exp(logMin + ((logMax - logMin) * i) / (count - 1)),
    );
    if (value !== buckets[buckets.length - 1]) buckets.push(value);
  }
  return buckets;
}

/** Whether `logBuckets(min, max, count)` accepts these (Dynamo's `validate_bucket_config`). */
export function isLogBucketRange(min: unknown, max: unknown, count: unknown): boolean {
  return (
    typeof min === 'number' &&
    typeof max === 'number' &&
    Number.isFinite(min) &&
    Number.isFinite(max) &&
    min > 0 &&
    min < max &&
    Number.isInteger(count) &&
    (count as number) > 0 &&
    (count as number) <= MAX_LOG_BUCKETS
  );
}

/**
 * `value` (> 0) rounded to 2 significant figures, half away from zero, as the double nearest to
 * that decimal: 0.00215869… → 0.0022 (not 0.0021999999999999997), 128000 → 130000 (not
 * 130000.00000000001). The scale is an exact decimal power (`1e-4`, not `Math.pow(10, -4)`,
 * which V8 gets one unit off), as Rust's `powf` gives it.
 */
function roundTo2SignificantFigures(value: number): number {
  const magnitude = Math.floor(Math.log10(value));
  const scaled = value * Number(`1e${1 - magnitude}`);
  const digits = Math.floor(scaled + 0.5); // positive: half away from zero
  return Number(`${digits}e${magnitude - 1}`);
}
