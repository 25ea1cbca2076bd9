import { spawnSync } from 'node:child_process';
import { Gauge as PromGauge, Registry } from 'prom-client';
import { DistributedRuntime, type ExpositionFormat } from '../../lib/core';
import { realTool } from '../utils/real-tools';

// Label values come from requests too: whatever they hold, the scrape must stay parseable and
// give the values back. Both formats escape `\`, `"` and newline in label values, nothing else.

const promtool = realTool('promtool', 'apt-get install prometheus');

/** [case, value as recorded, value as written between the quotes]. */
const CASES: readonly (readonly [string, string, string])[] = [
  ['backslash', 'C:\\dir\\', 'C:\\\\dir\\\\'],
  ['empty', '', ''],
  ['escaped_looking', '\\n is not a newline', '\\\\n is not a newline'],
  ['kb10', 'x"\\\n'.repeat(2560), 'x\\"\\\\\\n'.repeat(2560)],
  ['kb10_plain', 'y'.repeat(10_240), 'y'.repeat(10_240)],
  ['lone_surrogate', 'a\ud800b', 'a\ufffdb'],
  ['newline', 'line 1\nline 2\r\n', 'line 1\\nline 2\r\\n'],
  ['quote', 'say "hi"', 'say \\"hi\\"'],
  ['unicode', 'ünïcødé ✓ 日本 😀', 'ünïcødé ✓ 日本 😀'],
];

/** Every case as a gauge, a histogram and a counter series, const labels and a prom-client gauge. */
function awkwardRuntime(): DistributedRuntime {
  const drt = new DistributedRuntime({
    uptime: false,
    workerId: false,
    constLabels: { service: 'a "quoted"\\service\n' },
    maxSeriesPerMetric: CASES.length,
    maxLabelValueLength: 10_240, // the 10 KB cases
    logger: { warn: () => {} },
  });
  const gauges = drt.createGaugeVec('values', 'Values', ['case', 'value']);
  const histograms = drt
    .namespace('ns')
    .createHistogramVec('sizes_bytes', 'Sizes', ['value'], { buckets: [1] });
  const counters = drt
    .namespace('ns')
    .component('comp')
    .createCounterVec('seen_total', 'Seen', ['value']);
  const registry = new Registry();
  const theirs = new PromGauge({
    name: 'their_values',
    help: 'Theirs',
    labelNames: ['value'],
    registers: [registry],
  });
  CASES.forEach(([name, value], i) => {
    gauges.withLabelValues(name, value).set(i);
    histograms.withLabelValues(value).observe(i);
    counters.withLabelValues(value).inc(i);
    theirs.set({ value }, i);
  });
  counters.withLabelValues('one too many "\n').inc(); // the overflow series and the self-metric
  drt.includeRegistry(registry);
  return drt;
}

/** The label pairs of a sample line, unescaped the way a Prometheus parser does. */
function labelsOf(line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const body = line.slice(line.indexOf('{') + 1, line.lastIndexOf('}'));
  for (const [, name, escaped] of body.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
    labels[name] = escaped.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
  }
  return labels;
}

const service = 'service="a \\"quoted\\"\\\\service\\n"';

describe.each<ExpositionFormat>(['prometheus', 'openmetrics'])(
  'awkward label values in the %s format',
  (format) => {
    it('are written with exactly `\\`, `"` and newline escaped', async () => {
      const text = await awkwardRuntime().prometheusExpfmt(format);
      for (const [i, [name, , escaped]] of CASES.entries()) {
        expect(text).toContain(
          `\ndynamo_component_values{case="${name}",${service},value="${escaped}"} ${i}\n`,
        );
        expect(text).toContain(`\ntheir_values{value="${escaped}"} ${i}\n`);
        expect(text).toContain(
          `\ndynamo_component_sizes_bytes_bucket{dynamo_namespace="ns",${service},value="${escaped}",le="+Inf"} 1\n`,
        );
      }
      expect(text).toContain(
        `\ndynamo_component_seen_total{dynamo_component="comp",dynamo_namespace="ns",${service},value="__overflow__"} 1\n`,
      );
      expect(text).toContain(
        `\ndynamo_metrics_series_overflow_total{metric="dynamo_component_seen_total",${service}} 1\n`,
      );
    });

    it('read back as the values recorded (a lone surrogate as U+FFFD)', async () => {
      const text = await awkwardRuntime().prometheusExpfmt(format);
      const read = text
        .split('\n')
        .filter((line) => line.startsWith('dynamo_component_values{'))
        .map(labelsOf);
      expect(read).toEqual(
        CASES.map(([name, value]) => ({
          case: name,
          service: 'a "quoted"\\service\n',
          value: value.toWellFormed(),
        })),
      );
    });
  },
);

(promtool ? describe : describe.skip)('promtool check metrics on awkward label values', () => {
  it('accepts the text-format scrape', async () => {
    const text = await awkwardRuntime().prometheusExpfmt();
    expect(text.length).toBeGreaterThan(4 * 30_000);
    const result = spawnSync(promtool!, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect({ status: result.status, output: (result.stdout + result.stderr).trim() }).toEqual({
      status: 0,
      output: '',
    });
  });
});
