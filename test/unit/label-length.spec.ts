import { DistributedRuntime, FrontendMetrics, WorkHandlerMetrics } from '../../lib/core';
import { lines, quietRuntime, testLogger } from '../utils/runtime';

const OVERFLOW_HELP =
  '# HELP dynamo_metrics_series_overflow_total Lookups of label sets sent to the overflow series: ' +
  'the metric reached its series limit, or a label value was too long or reserved';
const OVERFLOW_TYPE = '# TYPE dynamo_metrics_series_overflow_total counter';

const tooLongWarning = (
  metric: string,
  where: string,
  limit: number,
  label: string,
  length: number,
  shown: string,
) =>
  `Metric '${metric}' on ${where} got a value of ${length} characters for label '${label}' ("${shown}"), ` +
  `over its maxLabelValueLength of ${limit}; label sets with longer values go to its overflow series ` +
  `(every variable label "__overflow__") and are counted in dynamo_metrics_series_overflow_total. ` +
  'Bound the label values, or raise maxLabelValueLength';

const modelTooLongWarning = (length: number, shown: string, limit = 256) =>
  `dynamo_frontend_* metrics got a model name of ${length} characters ("${shown}"), over ` +
  `maxLabelValueLength ${limit}; longer names are labelled "__overflow__" and counted in ` +
  'dynamo_metrics_series_overflow_total. Declare the served models (frontend.models) or raise ' +
  'maxLabelValueLength.';

/** Frontend metrics without a model list, with one small bucket per histogram. */
function frontend(drt: DistributedRuntime) {
  const logger = testLogger();
  const bucket = [1];
  const metrics = new FrontendMetrics(
    drt,
    {
      buckets: {
        requestDuration: bucket,
        inputSequence: bucket,
        outputSequence: bucket,
        timeToFirstToken: bucket,
        interTokenLatency: bucket,
      },
    },
    { env: {}, logger },
  );
  return { metrics, logger };
}

describe('the longest label value a vec takes (maxLabelValueLength)', () => {
  it('sends a label set with a value longer than 256 characters to the overflow series, warned once and counted', async () => {
    const { drt, logger } = quietRuntime();
    const vec = drt.createCounterVec('route_hits_total', 'Hits', ['route']);
    const longest = 'a'.repeat(256);
    vec.withLabelValues(longest).inc();
    const over = vec.withLabelValues('b'.repeat(257));
    over.inc(2);
    vec.with({ route: 'c'.repeat(92_000) }).inc(3);
    expect(vec.withLabelValues('c'.repeat(92_000))).toBe(over);
    expect(vec.seriesCount).toBe(2);
    expect(drt.maxLabelValueLength).toBe(256);
    expect(vec.maxLabelValueLength).toBe(256);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_route_hits_total Hits',
        '# TYPE dynamo_component_route_hits_total counter',
        'dynamo_component_route_hits_total{route="__overflow__"} 5',
        `dynamo_component_route_hits_total{route="${longest}"} 1`,
        OVERFLOW_HELP,
        OVERFLOW_TYPE,
        'dynamo_metrics_series_overflow_total{metric="dynamo_component_route_hits_total"} 3',
      ),
    );
    expect(logger.warn.mock.calls).toEqual([
      [
        tooLongWarning(
          'dynamo_component_route_hits_total',
          'the runtime',
          256,
          'route',
          257,
          'b'.repeat(32) + '…',
        ),
      ],
    ]);
  });

  it('refuses the whole label set when any one value is too long, on every kind of vec', async () => {
    const { drt } = quietRuntime({ maxLabelValueLength: 4 });
    const ep = drt.namespace('ns').component('comp').endpoint('ep');
    const long = 'xxxxx';
    const vecs = [
      ep.createCounterVec('c_total', 'C', ['a', 'b']),
      ep.createIntCounterVec('ic_total', 'IC', ['a', 'b']),
      ep.createGaugeVec('g', 'G', ['a', 'b']),
      ep.createIntGaugeVec('ig', 'IG', ['a', 'b']),
      ep.createHistogramVec('h', 'H', ['a', 'b'], { buckets: [1] }),
    ];
    for (const vec of vecs) {
      const kept = vec.withLabelValues('abcd', 'ok');
      const first = vec.withLabelValues(long, 'ok');
      expect(vec.withLabelValues('ok', long)).toBe(first);
      expect(vec.with({ a: 'ok', b: long })).toBe(first);
      expect(first).not.toBe(kept);
      expect(vec.seriesCount).toBe(2);
    }
    const text = await drt.prometheusExpfmt();
    const overflows = text.split('\n').filter((line) => line.startsWith('dynamo_metrics_'));
    expect(overflows).toEqual([
      'dynamo_metrics_series_overflow_total{metric="dynamo_component_c_total"} 3',
      'dynamo_metrics_series_overflow_total{metric="dynamo_component_g"} 3',
      'dynamo_metrics_series_overflow_total{metric="dynamo_component_h"} 3',
      'dynamo_metrics_series_overflow_total{metric="dynamo_component_ic_total"} 3',
      'dynamo_metrics_series_overflow_total{metric="dynamo_component_ig"} 3',
    ]);
    expect(text).toContain(
      'dynamo_component_g{a="__overflow__",b="__overflow__",dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns"} 0\n',
    );
  });

  it('a model name longer than the limit counts under __overflow__', async () => {
    const { drt } = quietRuntime();
    const { metrics, logger } = frontend(drt);
    const names = ['m', 'n', 'o'].map((c) => c.repeat(92_000));
    for (const name of names) {
      const request = metrics.start(name, 'chat_completions');
      expect(request.model).toBe('__overflow__');
      request.finish();
    }
    expect(metrics.modelLabel('p'.repeat(257))).toBe('__overflow__');
    expect(metrics.modelLabel('p'.repeat(256))).toBe('p'.repeat(256));
    const text = await drt.prometheusExpfmt();
    expect(
      text
        .split('\n')
        .filter((line) => /^dynamo_(frontend_requests|metrics_series\w*)_total\{/.test(line)),
    ).toEqual([
      'dynamo_frontend_requests_total{endpoint="chat_completions",error_type="",model="__overflow__",request_type="unary",status="success"} 3',
      'dynamo_metrics_series_overflow_total{metric="dynamo_frontend_requests_total"} 3',
    ]);
    expect(text).toContain(
      'dynamo_frontend_request_duration_seconds_count{model="__overflow__"} 3\n',
    );
    expect(text).not.toContain('mmmm');
    expect(Buffer.byteLength(text)).toBeLessThan(8 * 1024);
    expect(logger.warn.mock.calls).toEqual([[modelTooLongWarning(92_000, 'm'.repeat(32) + '…')]]);
  });

  it('keeps a scrape small after 100 requests with 92,000-character model names', async () => {
    const { drt } = quietRuntime();
    const { metrics } = frontend(drt);
    for (let i = 0; i < 100; i++) {
      const name = `${i}-`.padEnd(92_000, 'x');
      metrics.start(name, 'chat_completions', 'stream').finish();
    }
    const bytes = (await drt.prometheusExpfmtBytes()).length;
    expect(bytes).toBeLessThan(16 * 1024);
  });

  it("bounds errors_total's error_type and the frontend's error_type from an app's mapping", async () => {
    const { drt } = quietRuntime();
    const work = new WorkHandlerMetrics(drt.namespace('ns').component('comp').endpoint('ep'));
    work.error('quota');
    work.error('E'.repeat(300));
    const { metrics } = frontend(drt);
    metrics.start('llama', 'completions').fail('overload');
    metrics.start('llama', 'completions').fail('e'.repeat(300));
    const text = await drt.prometheusExpfmt();
    expect(
      text
        .split('\n')
        .filter((line) =>
          /^dynamo_(component_errors|frontend_requests_total|metrics_series)/.test(line),
        ),
    ).toEqual([
      'dynamo_component_errors_total{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",error_type="__overflow__"} 1',
      'dynamo_component_errors_total{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",error_type="deserialization"} 0',
      'dynamo_component_errors_total{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",error_type="generate"} 0',
      'dynamo_component_errors_total{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",error_type="invalid_message"} 0',
      'dynamo_component_errors_total{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",error_type="publish_final"} 0',
      'dynamo_component_errors_total{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",error_type="publish_response"} 0',
      'dynamo_component_errors_total{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",error_type="quota"} 1',
      'dynamo_component_errors_total{dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns",error_type="response_stream"} 0',
      'dynamo_frontend_requests_total{endpoint="__overflow__",error_type="__overflow__",model="__overflow__",request_type="__overflow__",status="__overflow__"} 1',
      'dynamo_frontend_requests_total{endpoint="completions",error_type="overload",model="llama",request_type="unary",status="error"} 1',
      'dynamo_metrics_series_overflow_total{metric="dynamo_component_errors_total"} 1',
      'dynamo_metrics_series_overflow_total{metric="dynamo_frontend_requests_total"} 1',
    ]);
  });

  it('takes a per-metric maxLabelValueLength over the runtime default; Infinity disables it', async () => {
    const { drt, logger } = quietRuntime({ maxLabelValueLength: 8 });
    const short = drt.createGaugeVec('short', 'S', ['k'], { maxLabelValueLength: 2 });
    const free = drt.createGaugeVec('free', 'F', ['k'], { maxLabelValueLength: Infinity });
    const plain = drt.createGaugeVec('plain', 'P', ['k']);
    for (const vec of [short, free, plain]) {
      vec.withLabelValues('abc').set(1);
      vec.withLabelValues('x'.repeat(100_000)).set(2);
    }
    expect([
      short.maxLabelValueLength,
      free.maxLabelValueLength,
      plain.maxLabelValueLength,
    ]).toEqual([2, Infinity, 8]);
    expect([short.seriesCount, free.seriesCount, plain.seriesCount]).toEqual([1, 2, 2]);
    const unlimited = quietRuntime({ maxLabelValueLength: Infinity }).drt;
    const vec = unlimited.createGaugeVec('g', 'G', ['k']);
    vec.withLabelValues('y'.repeat(100_000)).set(1);
    expect(vec.seriesCount).toBe(1);
    expect(logger.warn.mock.calls).toEqual([
      [tooLongWarning('dynamo_component_short', 'the runtime', 2, 'k', 3, 'abc')],
      [
        tooLongWarning(
          'dynamo_component_plain',
          'the runtime',
          8,
          'k',
          100_000,
          'x'.repeat(32) + '…',
        ),
      ],
    ]);
  });

  it('is part of the shape: the same metric with another maxLabelValueLength is a conflict', () => {
    const { drt } = quietRuntime();
    const vec = drt.createCounterVec('c_total', 'C', ['k'], { maxLabelValueLength: 10 });
    expect(drt.createCounterVec('c_total', 'C', ['k'], { maxLabelValueLength: 10 })).toBe(vec);
    expect(() => drt.createCounterVec('c_total', 'C', ['k'])).toThrow(
      new Error(
        'Metric \'dynamo_component_c_total\' is already registered on the runtime as counter_vec (help "C", labels [k], maxLabelValueLength 10); ' +
          'cannot register it again as counter_vec (help "C", labels [k]). ' +
          'Use the same type, help, labels, buckets and unit to get the existing metric, or choose another name',
      ),
    );
  });

  it('rejects an invalid maxLabelValueLength, naming the value', () => {
    for (const [value, shown] of [
      [0, '0'],
      [-1, '-1'],
      [2.5, '2.5'],
      [NaN, 'NaN'],
      ['256', '"256"'],
      [null, 'null'],
    ] as const) {
      expect(() => new DistributedRuntime({ maxLabelValueLength: value as number })).toThrow(
        new Error(
          `Invalid maxLabelValueLength ${shown}: use a positive integer, or Infinity for no limit`,
        ),
      );
      const { drt } = quietRuntime();
      expect(() =>
        drt.createGaugeVec('g', 'G', ['k'], { maxLabelValueLength: value as number }),
      ).toThrow(
        new Error(
          `Metric 'dynamo_component_g' has invalid maxLabelValueLength ${shown}: use a positive integer, or Infinity for no limit`,
        ),
      );
    }
  });

  it('rejects a declared model name longer than the limit, at declaration', () => {
    const { drt } = quietRuntime({ maxLabelValueLength: 5 });
    expect(
      () =>
        new FrontendMetrics(
          drt,
          { models: ['llama', 'mistral'] },
          { env: {}, logger: testLogger() },
        ),
    ).toThrow(
      new Error(
        'Invalid frontend model "mistral" (7 characters): model labels are at most maxLabelValueLength 5 long; raise maxLabelValueLength',
      ),
    );
  });
});
