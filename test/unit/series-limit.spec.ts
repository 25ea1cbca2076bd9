import { Counter as PromCounter, Registry } from 'prom-client';
import { DistributedRuntime, OVERFLOW_LABEL_VALUE, WorkHandlerMetrics } from '../../lib/core';
import { lines, quietRuntime } from '../utils/runtime';

const EP = 'dynamo_component="comp",dynamo_endpoint="ep",dynamo_namespace="ns"';
const limitWarning = (metric: string, where: string, limit: number, first: string) =>
  `Metric '${metric}' on ${where} reached its limit of ${limit} series; new label sets, first ${first}, ` +
  `go to its overflow series (every variable label "__overflow__") and are counted in dynamo_metrics_series_overflow_total. ` +
  'Bound the label values, remove() series no longer needed, or raise maxSeries / maxSeriesPerMetric';

function endpointRuntime(maxSeriesPerMetric?: number) {
  const { drt, logger } = quietRuntime({ maxSeriesPerMetric });
  const ep = drt.namespace('ns').component('comp').endpoint('ep');
  return { drt, ep, logger };
}

describe('the series limit of a vec', () => {
  it('exports the overflow label value', () => {
    expect(OVERFLOW_LABEL_VALUE).toBe('__overflow__');
  });

  it('holds exactly `limit` series, then sends new label sets to one overflow series', async () => {
    const { drt, ep, logger } = endpointRuntime(3);
    const vec = ep.createCounterVec('requests_total', 'Requests', ['route']);
    const a = vec.withLabelValues('/a');
    vec.withLabelValues('/b').inc(2);
    vec.with({ route: '/c' }).inc(3);
    const d = vec.withLabelValues('/d');
    const e = vec.with({ route: '/e' });
    d.inc(10);
    e.inc(20);
    vec.withLabelValues('/d').inc(30);
    a.inc();

    // Existing children are still the same objects; every refused set got the one overflow child.
    expect(vec.withLabelValues('/a')).toBe(a);
    expect(e).toBe(d);
    expect(vec.seriesCount).toBe(4);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_requests_total Requests',
        '# TYPE dynamo_component_requests_total counter',
        `dynamo_component_requests_total{${EP},route="/a"} 1`,
        `dynamo_component_requests_total{${EP},route="/b"} 2`,
        `dynamo_component_requests_total{${EP},route="/c"} 3`,
        `dynamo_component_requests_total{${EP},route="__overflow__"} 60`,
        '# HELP dynamo_metrics_series_overflow_total Lookups of label sets sent to the overflow series: the metric reached its series limit, or a label value was too long or reserved',
        '# TYPE dynamo_metrics_series_overflow_total counter',
        'dynamo_metrics_series_overflow_total{metric="dynamo_component_requests_total"} 3',
      ),
    );
    await drt.prometheusExpfmt();
    expect(logger.warn.mock.calls).toEqual([
      [limitWarning('dynamo_component_requests_total', 'endpoint "ns/comp/ep"', 3, '{route="/d"}')],
    ]);
  });

  it('adds no self-metric and no warning while no vec is over its limit', async () => {
    const { drt, logger } = quietRuntime({ maxSeriesPerMetric: 2 });
    const vec = drt.createGaugeVec('queue_depth', 'Depth', ['queue']);
    vec.withLabelValues('a').set(1);
    vec.withLabelValues('b').set(2);
    vec.withLabelValues('a').set(3);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_queue_depth Depth',
        '# TYPE dynamo_component_queue_depth gauge',
        'dynamo_component_queue_depth{queue="a"} 3',
        'dynamo_component_queue_depth{queue="b"} 2',
      ),
    );
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('puts the overflow value in every variable label, next to const and auto labels', async () => {
    const { drt, ep } = endpointRuntime(1);
    const vec = ep.createHistogramVec('latency_seconds', 'Latency', ['route', 'method'], {
      buckets: [1],
      constLabels: { model: 'llama' },
    });
    vec.withLabelValues('/a', 'GET').observe(0.5);
    vec.with({ method: 'POST', route: '/b' }).observe(2);
    vec.withLabelValues('/a', 'POST').observe(3);
    const overflow = `${EP},method="__overflow__",model="llama",route="__overflow__"`;
    const kept = `${EP},method="GET",model="llama",route="/a"`;
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_latency_seconds Latency',
        '# TYPE dynamo_component_latency_seconds histogram',
        `dynamo_component_latency_seconds_bucket{${kept},le="1"} 1`,
        `dynamo_component_latency_seconds_bucket{${kept},le="+Inf"} 1`,
        `dynamo_component_latency_seconds_sum{${kept}} 0.5`,
        `dynamo_component_latency_seconds_count{${kept}} 1`,
        `dynamo_component_latency_seconds_bucket{${overflow},le="1"} 0`,
        `dynamo_component_latency_seconds_bucket{${overflow},le="+Inf"} 2`,
        `dynamo_component_latency_seconds_sum{${overflow}} 5`,
        `dynamo_component_latency_seconds_count{${overflow}} 2`,
        '# HELP dynamo_metrics_series_overflow_total Lookups of label sets sent to the overflow series: the metric reached its series limit, or a label value was too long or reserved',
        '# TYPE dynamo_metrics_series_overflow_total counter',
        'dynamo_metrics_series_overflow_total{metric="dynamo_component_latency_seconds"} 2',
      ),
    );
  });

  it('frees a slot when a series is removed, and the overflow series does not take one', async () => {
    const { drt, ep } = endpointRuntime(3);
    const vec = ep.createIntCounterVec('hits_total', 'Hits', ['key']);
    for (const key of ['a', 'b', 'c', 'd']) vec.withLabelValues(key).inc();
    expect(vec.remove('b')).toBe(true);
    expect(vec.seriesCount).toBe(3); // a, c and the overflow series
    vec.withLabelValues('e').incBy(5); // takes the freed slot
    vec.withLabelValues('f').incBy(7); // full again
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_hits_total Hits',
        '# TYPE dynamo_component_hits_total counter',
        `dynamo_component_hits_total{${EP},key="__overflow__"} 8`,
        `dynamo_component_hits_total{${EP},key="a"} 1`,
        `dynamo_component_hits_total{${EP},key="c"} 1`,
        `dynamo_component_hits_total{${EP},key="e"} 5`,
        '# HELP dynamo_metrics_series_overflow_total Lookups of label sets sent to the overflow series: the metric reached its series limit, or a label value was too long or reserved',
        '# TYPE dynamo_metrics_series_overflow_total counter',
        'dynamo_metrics_series_overflow_total{metric="dynamo_component_hits_total"} 2',
      ),
    );
  });

  it('gives the overflow series for the overflow label set itself, never a second one', async () => {
    const { drt } = quietRuntime({ maxSeriesPerMetric: 2 });
    const vec = drt.createCounterVec('c_total', 'C', ['a', 'b']);
    const explicit = vec.withLabelValues(OVERFLOW_LABEL_VALUE, OVERFLOW_LABEL_VALUE);
    explicit.inc();
    vec.withLabelValues('x', 'x').inc();
    vec.withLabelValues('y', 'y').inc();
    expect(vec.withLabelValues('z', 'z')).toBe(explicit);
    expect(vec.seriesCount).toBe(3);
    expect(vec.remove(OVERFLOW_LABEL_VALUE, OVERFLOW_LABEL_VALUE)).toBe(true);
    expect(vec.remove(OVERFLOW_LABEL_VALUE, OVERFLOW_LABEL_VALUE)).toBe(false);
    vec.withLabelValues('w', 'w').inc(4);
    expect(await drt.prometheusExpfmt()).toBe(
      lines(
        '# HELP dynamo_component_c_total C',
        '# TYPE dynamo_component_c_total counter',
        'dynamo_component_c_total{a="__overflow__",b="__overflow__"} 4',
        'dynamo_component_c_total{a="x",b="x"} 1',
        'dynamo_component_c_total{a="y",b="y"} 1',
        '# HELP dynamo_metrics_series_overflow_total Lookups of label sets sent to the overflow series: the metric reached its series limit, or a label value was too long or reserved',
        '# TYPE dynamo_metrics_series_overflow_total counter',
        'dynamo_metrics_series_overflow_total{metric="dynamo_component_c_total"} 3',
      ),
    );
  });

  it('takes a per-metric maxSeries over the runtime default', async () => {
    const { drt, logger } = quietRuntime({ maxSeriesPerMetric: 2 });
    const one = drt.createCounterVec('one_total', 'One', ['k'], { maxSeries: 1 });
    const many = drt.createCounterVec('many_total', 'Many', ['k'], { maxSeries: 5 });
    const free = drt.createCounterVec('free_total', 'Free', ['k'], { maxSeries: Infinity });
    for (let i = 0; i < 6; i++) {
      one.withLabelValues(i).inc();
      many.withLabelValues(i).inc();
      free.withLabelValues(i).inc();
    }
    expect([one.seriesCount, many.seriesCount, free.seriesCount]).toEqual([2, 6, 6]);
    expect([one.maxSeries, many.maxSeries, free.maxSeries]).toEqual([1, 5, Infinity]);
    const text = await drt.prometheusExpfmt();
    expect(text).toContain('dynamo_component_one_total{k="__overflow__"} 5\n');
    expect(text).toContain('dynamo_component_many_total{k="__overflow__"} 1\n');
    expect(text).not.toContain('dynamo_component_free_total{k="__overflow__"}');
    expect(text).toContain(
      lines(
        'dynamo_metrics_series_overflow_total{metric="dynamo_component_many_total"} 1',
        'dynamo_metrics_series_overflow_total{metric="dynamo_component_one_total"} 5',
      ),
    );
    expect(logger.warn.mock.calls).toEqual([
      [limitWarning('dynamo_component_one_total', 'the runtime', 1, '{k="1"}')],
      [limitWarning('dynamo_component_many_total', 'the runtime', 5, '{k="5"}')],
    ]);
  });

  it('defaults to 10000 series per metric; Infinity disables the limit', async () => {
    const limited = quietRuntime().drt.createIntGaugeVec('g', 'G', ['id']);
    const unlimited = quietRuntime({ maxSeriesPerMetric: Infinity }).drt.createIntGaugeVec(
      'g',
      'G',
      ['id'],
    );
    for (let i = 0; i < 10_005; i++) {
      limited.withLabelValues(i).inc();
      unlimited.withLabelValues(i).inc();
    }
    expect(limited.maxSeries).toBe(10_000);
    expect(limited.seriesCount).toBe(10_001);
    expect(limited.withLabelValues(10_004).get()).toBe(5); // the overflow series
    expect(unlimited.maxSeries).toBe(Infinity);
    expect(unlimited.seriesCount).toBe(10_005);
  });

  it('counts overflows of one name on two levels in one series, and warns once per level', async () => {
    const { drt, logger } = quietRuntime({ maxSeriesPerMetric: 1, workerId: 255 });
    const comp = drt.namespace('ns').component('comp');
    for (const name of ['a', 'b']) {
      const vec = comp.endpoint(name).createCounterVec('errors_total', 'Errors', ['type']);
      for (const type of ['x', 'y', 'z', 'y']) vec.withLabelValues(type).inc();
    }
    const text = await drt.prometheusExpfmt();
    expect(text).toContain(
      lines(
        '# TYPE dynamo_metrics_series_overflow_total counter',
        'dynamo_metrics_series_overflow_total{metric="dynamo_component_errors_total",worker_id="ff"} 6',
      ),
    );
    expect(logger.warn.mock.calls).toEqual([
      [limitWarning('dynamo_component_errors_total', 'endpoint "ns/comp/a"', 1, '{type="y"}')],
      [limitWarning('dynamo_component_errors_total', 'endpoint "ns/comp/b"', 1, '{type="y"}')],
    ]);
  });

  it("gives the self-metric the runtime's worker_id and const labels, and no prefix", async () => {
    const { drt } = quietRuntime({
      maxSeriesPerMetric: 1,
      workerId: 0x1f2e,
      constLabels: { service: 'api' },
    });
    const vec = drt.namespace('ns').createCounterVec('c_total', 'C', ['k']);
    vec.withLabelValues('a').inc();
    vec.withLabelValues('b').inc();
    expect(await drt.prometheusExpfmt('openmetrics')).toBe(
      lines(
        '# HELP dynamo_component_c C',
        '# TYPE dynamo_component_c counter',
        'dynamo_component_c_total{dynamo_namespace="ns",k="__overflow__",service="api",worker_id="1f2e"} 1',
        'dynamo_component_c_total{dynamo_namespace="ns",k="a",service="api",worker_id="1f2e"} 1',
        '# HELP dynamo_metrics_series_overflow Lookups of label sets sent to the overflow series: the metric reached its series limit, or a label value was too long or reserved',
        '# TYPE dynamo_metrics_series_overflow counter',
        'dynamo_metrics_series_overflow_total{metric="dynamo_component_c_total",service="api",worker_id="1f2e"} 1',
        '# EOF',
      ),
    );
  });

  it("bounds WorkHandlerMetrics' error_type vec, Dynamo's six types included", async () => {
    const { drt, logger } = quietRuntime({ maxSeriesPerMetric: 7 });
    const metrics = new WorkHandlerMetrics(drt.namespace('ns').component('comp').endpoint('ep'));
    metrics.error('generate');
    metrics.error('quota');
    metrics.error('quota');
    for (let i = 0; i < 3; i++) metrics.error(`from-request-${i}`);
    metrics.error('from-request-0');
    const text = await drt.prometheusExpfmt();
    const errors = text.split('\n').filter((line) => line.startsWith('dynamo_component_errors'));
    expect(errors.map((line) => line.slice(line.indexOf('error_type=')))).toEqual([
      'error_type="__overflow__"} 4',
      'error_type="deserialization"} 0',
      'error_type="generate"} 1',
      'error_type="invalid_message"} 0',
      'error_type="publish_final"} 0',
      'error_type="publish_response"} 0',
      'error_type="quota"} 2',
      'error_type="response_stream"} 0',
    ]);
    expect(text).toContain(
      'dynamo_metrics_series_overflow_total{metric="dynamo_component_errors_total"} 4\n',
    );
    expect(logger.warn.mock.calls).toEqual([
      [
        limitWarning(
          'dynamo_component_errors_total',
          'endpoint "ns/comp/ep"',
          7,
          '{error_type="from-request-0"}',
        ),
      ],
    ]);
  });

  it('shortens a long refused label value in the warning', () => {
    const { drt, logger } = quietRuntime({ maxSeriesPerMetric: 1 });
    const vec = drt.createCounterVec('c_total', 'C', ['k', 'l']);
    vec.withLabelValues('a', 'b').inc();
    vec.withLabelValues('x'.repeat(256), 'ü'.repeat(64)).inc();
    expect(logger.warn.mock.calls).toEqual([
      [
        limitWarning(
          'dynamo_component_c_total',
          'the runtime',
          1,
          `{k="${'x'.repeat(64)}…", l="${'ü'.repeat(64)}"}`,
        ),
      ],
    ]);
  });

  it('is part of the shape: the same metric with another maxSeries is a conflict', () => {
    const { drt } = quietRuntime();
    const vec = drt.createCounterVec('c_total', 'C', ['k'], { maxSeries: 5 });
    expect(drt.createCounterVec('c_total', 'C', ['k'], { maxSeries: 5 })).toBe(vec);
    expect(() => drt.createCounterVec('c_total', 'C', ['k'], { maxSeries: 6 })).toThrow(
      new Error(
        'Metric \'dynamo_component_c_total\' is already registered on the runtime as counter_vec (help "C", labels [k], maxSeries 5); ' +
          'cannot register it again as counter_vec (help "C", labels [k], maxSeries 6). ' +
          'Use the same type, help, labels, buckets and unit to get the existing metric, or choose another name',
      ),
    );
  });

  it('rejects an invalid maxSeriesPerMetric or maxSeries, naming the value', () => {
    for (const [value, shown] of [
      [0, '0'],
      [-1, '-1'],
      [1.5, '1.5'],
      [NaN, 'NaN'],
      [-Infinity, '-Infinity'],
      ['10', '"10"'],
      [null, 'null'],
    ] as const) {
      expect(() => new DistributedRuntime({ maxSeriesPerMetric: value as number })).toThrow(
        new Error(
          `Invalid maxSeriesPerMetric ${shown}: use a positive integer, or Infinity for no limit`,
        ),
      );
      const { drt } = quietRuntime();
      expect(() => drt.createGaugeVec('g', 'G', ['k'], { maxSeries: value as number })).toThrow(
        new Error(
          `Metric 'dynamo_component_g' has invalid maxSeries ${shown}: use a positive integer, or Infinity for no limit`,
        ),
      );
    }
  });

  it("reserves the self-metric's name and its label at creation", () => {
    const registry = new Registry();
    new PromCounter({
      name: 'dynamo_metrics_series_overflow_total',
      help: 'Theirs',
      registers: [registry],
    });
    const { drt } = quietRuntime();
    expect(() => drt.includeRegistry(registry, 'their registry')).toThrow(
      new Error(
        "Cannot include their registry: its metric 'dynamo_metrics_series_overflow_total' is already registered in this runtime; " +
          'one scrape cannot hold two families of the same name. Rename one of them',
      ),
    );
    expect(() => new DistributedRuntime({ constLabels: { metric: 'x' } })).toThrow(
      new Error(
        "Runtime const label 'metric' is reserved (dynamo_metrics_series_overflow_total uses it to name a metric): choose another name",
      ),
    );
  });
});
