/// <reference types="node" preserve="true" />
import { formatNumber } from './exposition-text';

/**
 * What one bucket list needs at observe and render time, made once and shared by every histogram
 * that uses the same bounds (most use the defaults). Not exported from the package.
 */
export class BucketLayout {
  private static readonly cache = new Map<string, BucketLayout>();

  /** Finite upper bounds, strictly increasing (unboxed for the observe loop). */
  readonly upperBounds: Float64Array;
  /** `le="0.005"} ` … `le="+Inf"} ` as UTF-8 bytes, one per bucket including +Inf. */
  readonly leBytes: readonly Buffer[];
  /** OpenMetrics leaves out `_sum` for such histograms. */
  readonly hasNegativeBound: boolean;

  private constructor(readonly bounds: readonly number[]) {
    this.upperBounds = new Float64Array(bounds);
    this.hasNegativeBound = bounds[0] < 0;
    this.leBytes = [...bounds.map(formatNumber), '+Inf'].map((le) => Buffer.from(`le="${le}"} `));
  }

  /** The shared layout for these (already validated) bounds. */
  static of(bounds: readonly number[]): BucketLayout {
    const key = bounds.map(formatNumber).join(',');
    let layout = BucketLayout.cache.get(key);
    if (!layout) {
      layout = new BucketLayout(Object.freeze([...bounds]));
      BucketLayout.cache.set(key, layout);
    }
    return layout;
  }
}
