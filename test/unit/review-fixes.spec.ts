import { Gauge as PromGauge, Histogram as PromHistogram, Registry } from 'prom-client';
import { sanitizeLabelName, sanitizeMetricName } from '../../lib/core';
import { lines, quietRuntime } from '../utils/runtime';

// Edge cases found in review: each once produced a scrape that a parser rejects, or a wrong value.

describe('families whose sample names would collide', () => {
  const histogramThenGauge =
    "Metric 'dynamo_component_x_sum' would write samples named 'dynamo_component_x_sum', which the metric 'dynamo_component_x' in namespace \"a\" already writes (a histogram also writes _bucket, _sum and _count; a counter its name with and without _total); the scrape could not be parsed. Rename one of them";

  it('refuses a gauge named like a histogram sample, at creation, on any level', async () => {
    const { drt } = quietRuntime();
    drt.namespace('a').createHistogram('x', 'hist').observe(1);
    expect(() => drt.namespace('b').createGauge('x_sum', 'g')).toThrow(
      new Error(histogramThenGauge),
    );
    expect(() => drt.createGauge('x_bucket', 'g')).toThrow(
      /samples named 'dynamo_component_x_bucket'/,
    );
    expect(() => drt.createCounter('x_count', 'c')).toThrow(
      /samples named 'dynamo_component_x_count'/,
    );
    expect(await drt.prometheusExpfmt()).not.toContain('x_sum{dynamo_namespace="b"}');
  });

  it('refuses a histogram whose samples a gauge already writes', () => {
    const { drt } = quietRuntime();
    drt.createGauge('x_sum', 'g');
    expect(() => drt.namespace('a').createHistogram('x', 'hist')).toThrow(
      /^Metric 'dynamo_component_x' would write samples named 'dynamo_component_x_sum', which the metric 'dynamo_component_x_sum' in the runtime already writes/,
    );
  });

  it.each([
    ['y_total', 'y'],
    ['y', 'y_total'],
  ])('refuses counter %s next to gauge %s (one OpenMetrics name)', (counter, gauge) => {
    const { drt } = quietRuntime();
    drt.createCounter(counter, 'c');
    expect(() => drt.createGauge(gauge, 'g')).toThrow(/would write samples named/);
  });

  it('refuses a prom-client registry whose histogram writes a sample of ours, at include time', () => {
    const { drt } = quietRuntime();
    drt.createGauge('lat_sum', 'ours');
    const registry = new Registry();
    new PromHistogram({ name: 'dynamo_component_lat', help: 'theirs', registers: [registry] });
    expect(() => drt.includeRegistry(registry, 'the app registry')).toThrow(
      new Error(
        "Cannot include the app registry: its metric 'dynamo_component_lat' writes samples named 'dynamo_component_lat_sum', which the metric 'dynamo_component_lat_sum' in this runtime already writes. Rename one of them",
      ),
    );
  });

  it('refuses our metric whose samples an included registry writes, at creation', () => {
    const { drt } = quietRuntime();
    const registry = new Registry();
    new PromHistogram({ name: 'dynamo_component_lat', help: 'theirs', registers: [registry] });
    drt.includeRegistry(registry, 'the app registry');
    expect(() => drt.createGauge('lat_count', 'ours')).toThrow(
      /samples named 'dynamo_component_lat_count', which the metric 'dynamo_component_lat' in the app registry already writes/,
    );
  });

  it('leaves out a registry metric added later whose samples we write, with one warning', async () => {
    const { drt, logger } = quietRuntime();
    drt.createGauge('lat_sum', 'ours').set(5);
    const registry = new Registry();
    drt.includeRegistry(registry, 'the app registry');
    new PromHistogram({
      name: 'dynamo_component_lat',
      help: 'theirs',
      registers: [registry],
    }).observe(1);
    const expected = lines(
      '# HELP dynamo_component_lat_sum ours',
      '# TYPE dynamo_component_lat_sum gauge',
      'dynamo_component_lat_sum 5',
    );
    expect(await drt.prometheusExpfmt()).toBe(expected);
    expect(await drt.prometheusExpfmt()).toBe(expected);
    expect(logger.warn.mock.calls).toEqual([
      [
        "Metric 'dynamo_component_lat' from the app registry clashes with a metric of this runtime and was left out of the scrape. Rename one of them",
      ],
    ]);
  });
});

describe('OpenMetrics histograms with negative buckets or observations', () => {
  it('leave out _sum and _count (OpenMetrics forbids them there); the text format keeps them', async () => {
    const { drt } = quietRuntime();
    drt.createHistogram('delta', 'Delta', { buckets: [-1, 0, 1] }).observe(0.5);
    drt.createHistogram('lat_seconds', 'Latency', { buckets: [1] }).observe(-2);
    drt.createHistogram('ok_seconds', 'Fine', { buckets: [1] }).observe(0.5);
    expect(await drt.prometheusExpfmt('openmetrics')).toBe(
      lines(
        '# HELP dynamo_component_delta Delta',
        '# TYPE dynamo_component_delta histogram',
        'dynamo_component_delta_bucket{le="-1"} 0',
        'dynamo_component_delta_bucket{le="0"} 0',
        'dynamo_component_delta_bucket{le="1"} 1',
        'dynamo_component_delta_bucket{le="+Inf"} 1',
        '# HELP dynamo_component_lat_seconds Latency',
        '# TYPE dynamo_component_lat_seconds histogram',
        'dynamo_component_lat_seconds_bucket{le="1"} 1',
        'dynamo_component_lat_seconds_bucket{le="+Inf"} 1',
        '# HELP dynamo_component_ok_seconds Fine',
        '# TYPE dynamo_component_ok_seconds histogram',
        'dynamo_component_ok_seconds_bucket{le="1"} 1',
        'dynamo_component_ok_seconds_bucket{le="+Inf"} 1',
        'dynamo_component_ok_seconds_sum 0.5',
        'dynamo_component_ok_seconds_count 1',
        '# EOF',
      ),
    );
    expect(await drt.prometheusExpfmt()).toContain('dynamo_component_lat_seconds_sum -2\n');
  });

  it('does the same for prom-client histograms', async () => {
    const { drt } = quietRuntime();
    const registry = new Registry();
    new PromHistogram({ name: 'theirs', help: 'T', buckets: [1], registers: [registry] }).observe(
      -3,
    );
    drt.includeRegistry(registry);
    expect(await drt.prometheusExpfmt('openmetrics')).toBe(
      lines(
        '# HELP theirs T',
        '# TYPE theirs histogram',
        'theirs_bucket{le="1"} 1',
        'theirs_bucket{le="+Inf"} 1',
        '# EOF',
      ),
    );
  });
});

describe('expfmt callbacks and the format', () => {
  it('are told the format, and a trailing # EOF of theirs is dropped', async () => {
    const { drt } = quietRuntime();
    const formats: string[] = [];
    drt.addExpfmtCallback((format) => {
      formats.push(format);
      return format === 'openmetrics' ? '# TYPE raw gauge\nraw 1\n# EOF\n' : 'raw 1';
    });
    expect(await drt.prometheusExpfmt()).toBe('raw 1\n');
    expect(await drt.prometheusExpfmt('openmetrics')).toBe('# TYPE raw gauge\nraw 1\n# EOF\n');
    expect(formats).toEqual(['prometheus', 'openmetrics']);
  });
});

describe('names are sanitized per character, as Dynamo does', () => {
  it('turns one emoji (two UTF-16 units) into one underscore', () => {
    expect(sanitizeMetricName('a😀b')).toBe('a_b');
    expect(sanitizeLabelName('😀x')).toBe('_x');
    const { drt } = quietRuntime();
    expect(drt.namespace('😀x')).not.toBe(drt.namespace('x'));
    expect(drt.namespace('😀x').path).toBe('_x');
  });
});

describe('prom-client content that cannot be written validly', () => {
  it('is left out with a warning; the rest of the scrape is intact', async () => {
    const { drt, logger } = quietRuntime();
    const registry = new Registry();
    new PromGauge({ name: 'fine', help: 'Fine', registers: [registry] }).set(1);
    const odd = (name: string, metric: object) =>
      registry.registerMetric({ name, get: async () => ({ name, ...metric }) } as never);
    odd('no_value', { help: 'h', type: 'gauge', values: [{ value: undefined }] });
    odd('no_help', { help: undefined, type: 'gauge', values: [{ value: 2 }] });
    odd('bad_label', { help: 'h', type: 'gauge', values: [{ value: 1, labels: { 'a-b': 'x' } }] });
    drt.includeRegistry(registry, 'the odd registry');
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP fine Fine',
        '# TYPE fine gauge',
        'fine 1',
        '# HELP no_help ',
        '# TYPE no_help gauge',
        'no_help 2',
      ),
    );
    expect(logger.warn.mock.calls).toEqual([
      [
        'Metric "no_value" from the odd registry was left out of the scrape: a sample has the value undefined',
      ],
      [
        'Metric "bad_label" from the odd registry was left out of the scrape: invalid label name "a-b"',
      ],
    ]);
  });
});

describe('warnings', () => {
  it('log a failing callback once per distinct failure, and again after it recovered', async () => {
    const { drt, logger } = quietRuntime();
    let fail: string | null = 'down';
    drt.addUpdateCallback(() => {
      if (fail) throw new Error(fail);
    });
    await drt.prometheusExpfmt();
    await drt.prometheusExpfmt();
    fail = 'still down';
    await drt.prometheusExpfmt();
    fail = null;
    await drt.prometheusExpfmt();
    fail = 'down';
    await drt.prometheusExpfmt();
    expect(logger.warn.mock.calls).toEqual([
      ['An update callback failed and was skipped: down'],
      ['An update callback failed and was skipped: still down'],
      ['An update callback failed and was skipped: down'],
    ]);
  });
});

describe('vec children', () => {
  it('with() reads only the labels given, not inherited properties', () => {
    const { drt } = quietRuntime();
    const vec = drt.createGaugeVec('g', 'g', ['constructor', 'a']);
    expect(() => vec.with({ a: '1' })).toThrow(
      new Error("Metric 'dynamo_component_g' needs a value for label 'constructor'"),
    );
  });

  it('remove() also drops the maps it leaves empty', async () => {
    const { drt } = quietRuntime();
    const vec = drt.createCounterVec('c_total', 'c', ['id', 'route']);
    for (let i = 0; i < 100; i++) vec.withLabelValues(`r${i}`, '/a').inc();
    vec.withLabelValues('keep', '/b').inc();
    for (let i = 0; i < 100; i++) expect(vec.remove(`r${i}`, '/a')).toBe(true);
    expect(vec.remove('r0', '/a')).toBe(false);
    // Internal, on purpose: the point is that nothing is left behind.
    expect((vec as unknown as { root: Map<string, unknown> }).root.size).toBe(1);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_c_total c',
        '# TYPE dynamo_component_c_total counter',
        'dynamo_component_c_total{id="keep",route="/b"} 1',
      ),
    );
  });
});

describe('levels created by an update callback', () => {
  it('have their own update callbacks run in the same scrape', async () => {
    const { drt } = quietRuntime();
    drt.addUpdateCallback(() => {
      const queue = drt.namespace('ns').component('queue').endpoint('depth');
      const gauge = queue.createIntGauge('queue_depth', 'Depth');
      queue.addUpdateCallback(() => gauge.set(42));
    });
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_queue_depth Depth',
        '# TYPE dynamo_component_queue_depth gauge',
        'dynamo_component_queue_depth{dynamo_component="queue",dynamo_endpoint="depth",dynamo_namespace="ns"} 42',
      ),
    );
  });
});

describe('integer gauges', () => {
  it('never show -0', async () => {
    const { drt } = quietRuntime();
    drt.createIntGauge('g', 'g').set(-0);
    expect(await drt.prometheusExpfmt()).toContain('dynamo_component_g 0\n');
  });
});
