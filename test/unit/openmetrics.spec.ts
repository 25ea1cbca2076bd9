import { DistributedRuntime } from '../../lib/core';
import { lines, quietRuntime, testLogger } from '../utils/runtime';

describe("prometheusExpfmt('openmetrics')", () => {
  it('renders the golden example with _total samples and # EOF', async () => {
    const { drt } = quietRuntime();
    const comp = drt.namespace('ns345').component('comp345');
    comp.endpoint('ep345').createCounter('testcounter', 'A test counter').incBy(123.456789);
    comp.createGauge('testgauge', 'A test gauge').set(50000);
    expect(await drt.prometheusExpfmt('openmetrics')).toBe(
      lines(
        '# HELP dynamo_component_testcounter A test counter',
        '# TYPE dynamo_component_testcounter counter',
        'dynamo_component_testcounter_total{dynamo_component="comp345",dynamo_endpoint="ep345",dynamo_namespace="ns345"} 123.456789',
        '# HELP dynamo_component_testgauge A test gauge',
        '# TYPE dynamo_component_testgauge gauge',
        'dynamo_component_testgauge{dynamo_component="comp345",dynamo_namespace="ns345"} 50000',
        '# EOF',
      ),
    );
  });

  it('names a counter family without _total and its samples with it', async () => {
    const { drt } = quietRuntime();
    const ns = drt.namespace('ns');
    ns.createIntCounter('requests_total', 'Requests').incBy(5);
    const errors = ns.createCounterVec('errors_total', 'Errors', ['error_type']);
    errors.withLabelValues('generate').inc();
    expect(await drt.prometheusExpfmt('openmetrics')).toBe(
      lines(
        '# HELP dynamo_component_errors Errors',
        '# TYPE dynamo_component_errors counter',
        'dynamo_component_errors_total{dynamo_namespace="ns",error_type="generate"} 1',
        '# HELP dynamo_component_requests Requests',
        '# TYPE dynamo_component_requests counter',
        'dynamo_component_requests_total{dynamo_namespace="ns"} 5',
        '# EOF',
      ),
    );
  });

  it('writes histograms like the text format', async () => {
    const { drt } = quietRuntime();
    drt
      .namespace('ns')
      .createHistogram('latency_seconds', 'Latency', { buckets: [0.5, 1] })
      .observe(0.75);
    expect(await drt.prometheusExpfmt('openmetrics')).toBe(
      lines(
        '# HELP dynamo_component_latency_seconds Latency',
        '# TYPE dynamo_component_latency_seconds histogram',
        'dynamo_component_latency_seconds_bucket{dynamo_namespace="ns",le="0.5"} 0',
        'dynamo_component_latency_seconds_bucket{dynamo_namespace="ns",le="1"} 1',
        'dynamo_component_latency_seconds_bucket{dynamo_namespace="ns",le="+Inf"} 1',
        'dynamo_component_latency_seconds_sum{dynamo_namespace="ns"} 0.75',
        'dynamo_component_latency_seconds_count{dynamo_namespace="ns"} 1',
        '# EOF',
      ),
    );
  });

  it('writes a # UNIT line when the unit option is set, and only in OpenMetrics', async () => {
    const { drt } = quietRuntime();
    drt.createHistogram('latency_seconds', 'Latency', { unit: 'seconds', buckets: [1] }).observe(2);
    drt.createCounter('busy_seconds_total', 'Busy', { unit: 'seconds' }).incBy(1.5);
    drt.createGauge('heap_bytes', 'Heap', { unit: 'bytes' }).set(1024);
    expect(await drt.prometheusExpfmt('openmetrics')).toBe(
      lines(
        '# HELP dynamo_component_busy_seconds Busy',
        '# TYPE dynamo_component_busy_seconds counter',
        '# UNIT dynamo_component_busy_seconds seconds',
        'dynamo_component_busy_seconds_total 1.5',
        '# HELP dynamo_component_heap_bytes Heap',
        '# TYPE dynamo_component_heap_bytes gauge',
        '# UNIT dynamo_component_heap_bytes bytes',
        'dynamo_component_heap_bytes 1024',
        '# HELP dynamo_component_latency_seconds Latency',
        '# TYPE dynamo_component_latency_seconds histogram',
        '# UNIT dynamo_component_latency_seconds seconds',
        'dynamo_component_latency_seconds_bucket{le="1"} 0',
        'dynamo_component_latency_seconds_bucket{le="+Inf"} 1',
        'dynamo_component_latency_seconds_sum 2',
        'dynamo_component_latency_seconds_count 1',
        '# EOF',
      ),
    );
    expect(await drt.prometheusExpfmt()).not.toContain('# UNIT');
  });

  it('rejects a unit the name does not end with, at creation', () => {
    const { drt } = quietRuntime();
    expect(() => drt.createGauge('latency', 'Latency', { unit: 'seconds' })).toThrow(
      new Error(
        "Metric 'dynamo_component_latency' cannot have unit 'seconds': a unit must match [a-zA-Z0-9_]+ and the name must end with '_seconds'",
      ),
    );
    expect(() =>
      drt.createCounter('latency_seconds_count_total', 'C', { unit: 'seconds' }),
    ).toThrow(/^Metric 'dynamo_component_latency_seconds_count_total' cannot have unit 'seconds'/);
    expect(() => drt.createGauge('heap_bytes', 'Heap', { unit: 'by tes' })).toThrow(
      /^Metric 'dynamo_component_heap_bytes' cannot have unit 'by tes'/,
    );
  });

  it('escapes \\, newline and " in HELP', async () => {
    const { drt } = quietRuntime();
    drt.createGauge('g', 'Say "hi"\nwith \\ backslash').set(1);
    expect(await drt.prometheusExpfmt('openmetrics')).toBe(
      lines(
        '# HELP dynamo_component_g Say \\"hi\\"\\nwith \\\\ backslash',
        '# TYPE dynamo_component_g gauge',
        'dynamo_component_g 1',
        '# EOF',
      ),
    );
  });

  it('escapes label values as the text format does', async () => {
    const { drt } = quietRuntime();
    drt.createGaugeVec('g', 'G', ['v']).withLabelValues('a"b\\c\nd').set(1);
    expect(await drt.prometheusExpfmt('openmetrics')).toBe(
      lines(
        '# HELP dynamo_component_g G',
        '# TYPE dynamo_component_g gauge',
        'dynamo_component_g{v="a\\"b\\\\c\\nd"} 1',
        '# EOF',
      ),
    );
  });

  it('renders an empty runtime as # EOF alone', async () => {
    const { drt } = quietRuntime();
    expect(await drt.prometheusExpfmt('openmetrics')).toBe('# EOF\n');
  });

  it('puts expfmt callback text before # EOF', async () => {
    const { drt } = quietRuntime();
    drt.createGauge('g', 'G').set(1);
    drt.addExpfmtCallback(() => 'raw 1');
    expect(await drt.prometheusExpfmt('openmetrics')).toBe(
      lines(
        '# HELP dynamo_component_g G',
        '# TYPE dynamo_component_g gauge',
        'dynamo_component_g 1',
        'raw 1',
        '# EOF',
      ),
    );
  });

  it('writes the uptime gauge as Dynamo declares it (no unit), so get-or-create under its name works', async () => {
    jest.useFakeTimers();
    try {
      const drt = new DistributedRuntime({ workerId: false, logger: testLogger() });
      jest.advanceTimersByTime(500);
      expect(await drt.prometheusExpfmt('openmetrics')).toBe(
        lines(
          '# HELP dynamo_component_uptime_seconds Total uptime of the DistributedRuntime in seconds',
          '# TYPE dynamo_component_uptime_seconds gauge',
          'dynamo_component_uptime_seconds 0.5',
          '# EOF',
        ),
      );
      const same = drt.createGauge(
        'uptime_seconds',
        'Total uptime of the DistributedRuntime in seconds',
      );
      jest.advanceTimersByTime(1500);
      await drt.prometheusExpfmt();
      expect(same.get()).toBe(2);
    } finally {
      jest.useRealTimers();
    }
  });

  it.each(['json', 'text', '', 'OpenMetrics'])('rejects the unknown format %j', async (format) => {
    const { drt } = quietRuntime();
    await expect(drt.prometheusExpfmt(format as 'prometheus')).rejects.toThrow(
      new Error(
        `Unknown exposition format ${JSON.stringify(format)}; use 'prometheus' or 'openmetrics'`,
      ),
    );
  });

  it('gives the exact unknown-format text', async () => {
    const { drt } = quietRuntime();
    await expect(drt.prometheusExpfmt('json' as 'prometheus')).rejects.toThrow(
      new Error(`Unknown exposition format "json"; use 'prometheus' or 'openmetrics'`),
    );
  });
});
