import { DistributedRuntime } from '../../lib/core';
import { lines, quietRuntime } from '../utils/runtime';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN = '00f067aa0ba902b7';

function withLatency(drt: DistributedRuntime) {
  return drt
    .namespace('ns')
    .createHistogramVec('latency_seconds', 'Latency', ['route'], { buckets: [0.05, 1] });
}

describe('histogram exemplars', () => {
  let now: jest.SpyInstance;
  beforeEach(() => (now = jest.spyOn(Date, 'now').mockReturnValue(1765000000123)));
  afterEach(() => now.mockRestore());

  it('writes the latest exemplar of each bucket after its count in OpenMetrics', async () => {
    const { drt } = quietRuntime();
    const child = withLatency(drt).withLabelValues('/a');
    child.observe(0.01);
    child.observeWithExemplar(0.02, { trace_id: 'old', span_id: 'old' });
    child.observeWithExemplar(0.042, { trace_id: TRACE, span_id: SPAN });
    child.observeWithExemplar(7, { trace_id: TRACE, span_id: SPAN });
    expect(await drt.prometheusExpfmt('openmetrics')).toBe(
      lines(
        '# HELP dynamo_component_latency_seconds Latency',
        '# TYPE dynamo_component_latency_seconds histogram',
        `dynamo_component_latency_seconds_bucket{dynamo_namespace="ns",route="/a",le="0.05"} 3 # {trace_id="${TRACE}",span_id="${SPAN}"} 0.042 1765000000.123`,
        'dynamo_component_latency_seconds_bucket{dynamo_namespace="ns",route="/a",le="1"} 3',
        `dynamo_component_latency_seconds_bucket{dynamo_namespace="ns",route="/a",le="+Inf"} 4 # {trace_id="${TRACE}",span_id="${SPAN}"} 7 1765000000.123`,
        'dynamo_component_latency_seconds_sum{dynamo_namespace="ns",route="/a"} 7.072',
        'dynamo_component_latency_seconds_count{dynamo_namespace="ns",route="/a"} 4',
        '# EOF',
      ),
    );
  });

  it('leaves the text format 0.0.4 byte for byte as without exemplars', async () => {
    const plain = quietRuntime().drt;
    const traced = quietRuntime().drt;
    const a = withLatency(plain).withLabelValues('/a');
    const b = withLatency(traced).withLabelValues('/a');
    for (const value of [0.01, 0.3, 2]) {
      a.observe(value);
      b.observeWithExemplar(value, { trace_id: TRACE, span_id: SPAN });
    }
    const text = await traced.prometheusExpfmt('prometheus');
    expect(text).toBe(await plain.prometheusExpfmt('prometheus'));
    expect(text).not.toContain('#  {');
    expect(text).not.toContain('trace_id');
  });

  it('works on an unlabelled histogram and reports its exemplars by bucket', async () => {
    const { drt } = quietRuntime();
    const h = drt.namespace('ns').createHistogram('wait_seconds', 'Wait', { buckets: [1] });
    h.observeWithExemplar(0.5, { trace_id: TRACE });
    expect(h.getExemplars()).toEqual([
      { le: 1, labels: { trace_id: TRACE }, value: 0.5, timestamp: 1765000000.123 },
    ]);
    expect(await drt.prometheusExpfmt('openmetrics')).toContain(
      `dynamo_component_wait_seconds_bucket{dynamo_namespace="ns",le="1"} 1 # {trace_id="${TRACE}"} 0.5 1765000000.123\n`,
    );
  });

  it('escapes exemplar label values as label values', async () => {
    const { drt } = quietRuntime();
    const h = drt.namespace('ns').createHistogram('wait_seconds', 'Wait', { buckets: [1] });
    h.observeWithExemplar(2, { note: 'a "b"\\\n' });
    expect(await drt.prometheusExpfmt('openmetrics')).toContain(
      'le="+Inf"} 1 # {note="a \\"b\\"\\\\\\n"} 2 1765000000.123\n',
    );
  });

  it('allocates nothing for a histogram that never got an exemplar', () => {
    const { drt } = quietRuntime();
    const h = drt.namespace('ns').createHistogram('wait_seconds', 'Wait');
    h.observe(1);
    expect(h.exemplars).toBeUndefined();
    expect(h.getExemplars()).toEqual([]);
  });
});

describe('the 128-character limit of exemplar labels', () => {
  it('takes label names and values of 128 code points together', () => {
    const { drt } = quietRuntime();
    const h = drt.namespace('ns').createHistogram('wait_seconds', 'Wait', { buckets: [1] });
    // 8 + 120 = 128; an astral character counts once.
    h.observeWithExemplar(1, { trace_id: '😀'.repeat(120) });
    expect(h.count).toBe(1);
  });

  it('refuses a label set of 129 characters with an error, observing nothing', () => {
    const { drt } = quietRuntime();
    const h = drt.namespace('ns').createHistogram('wait_seconds', 'Wait', { buckets: [1] });
    expect(() => h.observeWithExemplar(1, { trace_id: 'x'.repeat(121) })).toThrow(
      /Exemplar of 'dynamo_component_wait_seconds' has labels of 129 characters .*at most 128/,
    );
    expect(h.count).toBe(0);
    expect(h.getExemplars()).toEqual([]);
  });

  it('refuses invalid label names and values that are not strings', () => {
    const { drt } = quietRuntime();
    const h = drt.namespace('ns').createHistogram('wait_seconds', 'Wait', { buckets: [1] });
    expect(() => h.observeWithExemplar(1, { 'trace-id': 'x' })).toThrow(/Invalid label name/);
    expect(() => h.observeWithExemplar(1, { trace_id: 5 as unknown as string })).toThrow(
      /must be an object of string values/,
    );
    expect(h.count).toBe(0);
  });
});
