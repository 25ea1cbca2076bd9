import { spawnSync } from 'node:child_process';
import { DistributedRuntime } from '../../lib/core';
import { fullRuntime } from '../fixtures/full-runtime';
import { realTool } from '../utils/real-tools';

const promtool = realTool('promtool', 'apt-get install prometheus');

function check(text: string) {
  const result = spawnSync(promtool!, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: result.status, output: (result.stdout + result.stderr).trim() };
}

(promtool ? describe : describe.skip)('promtool check metrics', () => {
  it('accepts a scrape with every metric kind, awkward label values and prom-client metrics', async () => {
    const text = await fullRuntime().prometheusExpfmt();
    expect(text).toContain('legacy_size_bytes{app="sample",quantile="0.9"} 10');
    expect(check(text)).toEqual({ status: 0, output: '' });
  });

  it('parses Dynamo golden output, and only lints the counter name Dynamo itself uses', async () => {
    const drt = new DistributedRuntime({ uptime: false });
    const component = drt.namespace('ns345').component('comp345');
    component.endpoint('ep345').createCounter('testcounter', 'A test counter').incBy(123.456789);
    component.createGauge('testgauge', 'A test gauge').set(50000);
    expect(check(await drt.prometheusExpfmt())).toEqual({
      status: 3,
      output: 'dynamo_component_testcounter counter metrics should have "_total" suffix',
    });
  });

  // promtool parses only the text format 0.0.4 (it rejects any OpenMetrics timestamp): the
  // OpenMetrics scrape with exemplars is checked by a real Prometheus (exemplars-prometheus.spec.ts).
  it('accepts the text format of histograms that hold exemplars, which it leaves out', async () => {
    const drt = new DistributedRuntime({ uptime: false });
    const histogram = drt
      .namespace('ns')
      .createHistogramVec('latency_seconds', 'Latency', ['route'], { buckets: [0.05, 1] });
    histogram
      .withLabelValues('/a')
      .observeWithExemplar(0.042, { trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', span_id: '1' });
    const text = await drt.prometheusExpfmt();
    expect(text).not.toContain('trace_id');
    expect(check(text)).toEqual({ status: 0, output: '' });
  });

  it('rejects broken text, so the checks above can fail', () => {
    const result = check('# TYPE x counter\nx{a="1} 1\n');
    expect(result.status).toBe(1);
    expect(result.output).toContain('parsing error');
  });
});
