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

  it('rejects broken text, so the checks above can fail', () => {
    const result = check('# TYPE x counter\nx{a="1} 1\n');
    expect(result.status).toBe(1);
    expect(result.output).toContain('parsing error');
  });
});
