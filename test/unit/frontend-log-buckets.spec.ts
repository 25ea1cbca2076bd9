import { formatNumber, logBuckets } from '../../lib/core';
import { FRONTEND_BUCKET_DEFAULTS, FrontendMetrics } from '../../lib/core';
import { quietRuntime, testLogger } from '../utils/runtime';

// Spec 8's table, as Dynamo's generate_log_buckets() yields it.
const TABLE = {
  requestDuration: [0, 2, 4, 8, 16, 32, 64, 130, 260, 510],
  inputSequence: [0, 100, 210, 430, 870, 1800, 3600, 7400, 15000, 31000, 63000, 130000],
  outputSequence: [0, 100, 210, 430, 880, 1800, 3700, 7600, 16000, 32000],
  timeToFirstToken: [
    0, 0.0022, 0.0047, 0.01, 0.022, 0.047, 0.1, 0.22, 0.47, 1, 2.2, 4.7, 10, 22, 48, 100, 220, 480,
  ],
  interTokenLatency: [
    0, 0.0019, 0.0035, 0.0067, 0.013, 0.024, 0.045, 0.084, 0.16, 0.3, 0.56, 1.1, 2,
  ],
  // Spec 11.1: log_buckets(0.001, 10, 14).
  embeddingLatency: [
    0, 0.002, 0.0041, 0.0084, 0.017, 0.035, 0.07, 0.14, 0.29, 0.59, 1.2, 2.4, 4.9, 10,
  ],
};

describe('logBuckets (Dynamo generate_log_buckets)', () => {
  it.each([
    ['request_duration_seconds', 1, 512, 10, TABLE.requestDuration],
    ['input_sequence_tokens', 50, 128000, 12, TABLE.inputSequence],
    ['output_sequence_tokens', 50, 32000, 10, TABLE.outputSequence],
    ['time_to_first_token_seconds', 0.001, 480, 18, TABLE.timeToFirstToken],
    ['inter_token_latency_seconds', 0.001, 2, 13, TABLE.interTokenLatency],
    ['embedding_latency_seconds', 0.001, 10, 14, TABLE.embeddingLatency],
  ])('reproduces the %s buckets of spec 8 and 11.1 exactly', (_, min, max, count, expected) => {
    const buckets = logBuckets(min, max, count);
    // toEqual would accept 0.0021999999999999997 for 0.0022 only if equal: it is not, so exact.
    expect(buckets).toEqual(expected);
    expect(buckets.map(formatNumber)).toEqual(expected.map(String));
  });

  it('gives the doubles written in the table, not their floating-point neighbours', () => {
    const ttft = logBuckets(0.001, 480, 18);
    expect(ttft[1]).toBe(0.0022); // Math.round(v * 1e4) / 1e4 style gives 0.0021999999999999997
    expect(ttft[2]).toBe(0.0047); // and 0.004699999999999999
    expect(logBuckets(50, 128000, 12)[11]).toBe(130000); // 13 / Math.pow(10, -4) = 130000.00000000001
    expect(logBuckets(0.001, 2, 13)[2]).toBe(0.0035); // not 0.0034999999999999996
    expect(formatNumber(ttft[1])).toBe('0.0022');
  });

  it('rounds half away from zero at 2 significant figures', () => {
    // exp(log(1.25)) is exactly 1.25, and 2.25 likewise: true ties.
    expect(logBuckets(1, 1.25, 2)).toEqual([0, 1.3]);
    expect(logBuckets(1, 2.25, 2)).toEqual([0, 2.3]);
    expect(logBuckets(1, 4.5, 2)).toEqual([0, 4.5]);
  });

  it('starts with 0, ends with max rounded, and drops consecutive duplicates', () => {
    // 1.024, 1.0488, 1.0741, 1.1 round to 1, 1, 1.1, 1.1.
    expect(logBuckets(1, 1.1, 5)).toEqual([0, 1, 1.1]);
    expect(logBuckets(1, 512, 1)).toEqual([0]);
    expect(logBuckets(1, 512, 2)).toEqual([0, 510]);
  });

  it.each([
    [0, 10, 5],
    [-1, 10, 5],
    [10, 10, 5],
    [10, 1, 5],
    [1, Infinity, 5],
    [NaN, 10, 5],
    [1, 10, 0],
    [1, 10, 513],
    [1, 10, 2.5],
  ])('rejects min %p, max %p, count %p with what is allowed', (min, max, count) => {
    expect(() => logBuckets(min, max, count)).toThrow(
      /^Invalid log buckets \(min .*\): min and max must be finite with 0 < min < max, and count an integer from 1 to 512$/,
    );
  });

  it('accepts the largest count Dynamo does; rounding may leave fewer buckets than asked for', () => {
    expect(logBuckets(1e-3, 1e300, 512)).toHaveLength(512);
    // 2 significant figures hold ~90 values per decade: 512 steps over 6 decades collide.
    expect(logBuckets(1, 1e6, 512)).toHaveLength(386);
  });
});

describe("frontend buckets from Dynamo's environment variables", () => {
  const resolve = (env: Record<string, string>, buckets = {}) => {
    const { drt } = quietRuntime();
    const logger = testLogger();
    const metrics = new FrontendMetrics(drt, { buckets }, { env, logger });
    return { buckets: metrics.buckets, warnings: logger.warn.mock.calls.map(([m]) => m) };
  };

  it("uses spec 8's and 11.1's table without any variable", () => {
    const { buckets, warnings } = resolve({});
    expect(buckets).toEqual(TABLE);
    expect(warnings).toEqual([]);
  });

  it('takes DYN_METRICS_<NAME>_{MIN,MAX,COUNT} for each histogram, leaving the others alone', () => {
    const { buckets, warnings } = resolve({
      DYN_METRICS_TTFT_MIN: '0.01',
      DYN_METRICS_TTFT_MAX: '10',
      DYN_METRICS_TTFT_COUNT: '4',
      DYN_METRICS_ITL_COUNT: '3',
      DYN_METRICS_REQUEST_DURATION_MAX: '1024',
      DYN_METRICS_INPUT_SEQUENCE_MIN: '1e2',
      DYN_METRICS_OUTPUT_SEQUENCE_COUNT: '+2',
    });
    expect(buckets.timeToFirstToken).toEqual([0, 0.1, 1, 10]);
    expect(buckets.interTokenLatency).toEqual([0, 0.045, 2]);
    expect(buckets.requestDuration).toEqual(logBuckets(1, 1024, 10));
    expect(buckets.requestDuration.at(-1)).toBe(1000);
    expect(buckets.inputSequence).toEqual(logBuckets(100, 128000, 12));
    expect(buckets.outputSequence).toEqual([0, 32000]);
    expect(warnings).toEqual([]);
  });

  it('reads the deprecated doubled names (DYN_HISTOGRAM_DYN_METRICS_*) with a warning; the new name wins', () => {
    const { buckets, warnings } = resolve({
      DYN_HISTOGRAM_DYN_METRICS_ITL_MAX: '4',
      DYN_HISTOGRAM_DYN_METRICS_TTFT_MAX: '99',
      DYN_METRICS_TTFT_MAX: '480',
    });
    expect(buckets.interTokenLatency).toEqual(logBuckets(0.001, 4, 13));
    expect(buckets.timeToFirstToken).toEqual(TABLE.timeToFirstToken);
    expect(warnings).toEqual([
      'DYN_HISTOGRAM_DYN_METRICS_ITL_MAX is deprecated (as in Dynamo): set DYN_METRICS_ITL_MAX instead',
    ]);
  });

  it('keeps the default of a value that does not parse, with a warning', () => {
    const { buckets, warnings } = resolve({
      DYN_METRICS_ITL_MAX: '2s',
      DYN_METRICS_ITL_COUNT: '3',
      DYN_METRICS_TTFT_COUNT: '4.0',
    });
    expect(buckets.interTokenLatency).toEqual(logBuckets(0.001, 2, 3));
    expect(buckets.timeToFirstToken).toEqual(TABLE.timeToFirstToken);
    expect(warnings).toEqual([
      'DYN_METRICS_TTFT_COUNT="4.0" is not a number; keeping its default 18',
      'DYN_METRICS_ITL_MAX="2s" is not a number; keeping its default 2',
    ]);
  });

  it('falls back to all three defaults for a range Dynamo rejects, with a warning', () => {
    const { buckets, warnings } = resolve({
      DYN_METRICS_TTFT_MIN: '5',
      DYN_METRICS_TTFT_MAX: '1',
      DYN_METRICS_ITL_COUNT: '0',
      DYN_METRICS_REQUEST_DURATION_MAX: 'inf',
    });
    expect(buckets.timeToFirstToken).toEqual(TABLE.timeToFirstToken);
    expect(buckets.interTokenLatency).toEqual(TABLE.interTokenLatency);
    expect(buckets.requestDuration).toEqual(TABLE.requestDuration);
    expect(warnings).toEqual([
      'Invalid histogram bucket configuration in DYN_METRICS_REQUEST_DURATION_{MIN,MAX,COUNT} (min 1, max Infinity, count 10): min and max must be finite with 0 < min < max, count an integer from 1 to 512; using the defaults (1, 512, 10)',
      'Invalid histogram bucket configuration in DYN_METRICS_TTFT_{MIN,MAX,COUNT} (min 5, max 1, count 18): min and max must be finite with 0 < min < max, count an integer from 1 to 512; using the defaults (0.001, 480, 18)',
      'Invalid histogram bucket configuration in DYN_METRICS_ITL_{MIN,MAX,COUNT} (min 0.001, max 2, count 0): min and max must be finite with 0 < min < max, count an integer from 1 to 512; using the defaults (0.001, 2, 13)',
    ]);
  });

  it('lets the buckets option win over the variables', () => {
    const { buckets, warnings } = resolve(
      { DYN_METRICS_TTFT_COUNT: '3', DYN_METRICS_ITL_COUNT: 'x' },
      { timeToFirstToken: [0.1, 1], interTokenLatency: [0.01] },
    );
    expect(buckets.timeToFirstToken).toEqual([0.1, 1]);
    expect(buckets.interTokenLatency).toEqual([0.01]);
    expect(warnings).toEqual([]);
  });

  it('names the variables as Dynamo does', () => {
    expect(Object.values(FRONTEND_BUCKET_DEFAULTS).map((d) => d.env)).toEqual([
      'DYN_METRICS_REQUEST_DURATION',
      'DYN_METRICS_INPUT_SEQUENCE',
      'DYN_METRICS_OUTPUT_SEQUENCE',
      'DYN_METRICS_TTFT',
      'DYN_METRICS_ITL',
      'DYN_METRICS_EMBEDDING_LATENCY',
    ]);
  });
});
