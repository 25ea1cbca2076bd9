import { mergeScrapes } from '../../lib/cluster/cluster-metrics';
import { DistributedRuntime } from '../../lib/core';
import { fullRuntime } from '../fixtures/full-runtime';
import { sampleValue } from '../utils/scrape';

// What the primary does with its workers' answers, without the processes: their text read back,
// merged by prom-client's aggregation, rendered again.
const merge = async (texts: string[], aggregators: Record<string, string> = {}) => {
  const warnings: string[] = [];
  const merged = await mergeScrapes(
    texts.map((text) => ({ text, aggregators })),
    'prometheus',
    (message) => warnings.push(message),
  );
  return { text: merged.toString(), warnings };
};

describe("merging cluster workers' scrapes", () => {
  it("gives back one worker's scrape byte for byte (escapes, unicode, histograms, summaries)", async () => {
    const text = await fullRuntime().prometheusExpfmt();
    const merged = await merge([text]);
    expect(merged.warnings).toEqual([]);
    expect(merged.text).toBe(text);
  });

  it('sums counters, histograms and gauges of equal series, keeps the largest uptime', async () => {
    const worker = (requests: number, inflight: number) => {
      const drt = new DistributedRuntime({ workerId: false, logger: { warn: () => {} } });
      const endpoint = drt.namespace('dynamo').component('backend').endpoint('generate');
      endpoint.createIntCounter('requests_total', 'Requests').incBy(requests);
      endpoint.createIntGauge('inflight_requests', 'Inflight').set(inflight);
      const duration = endpoint.createHistogram('duration_seconds', 'Duration', {
        buckets: [0.1, 1],
      });
      for (let i = 0; i < requests; i++) duration.observe(i === 0 ? 0.05 : 0.5);
      return drt;
    };
    const young = worker(3, 1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const texts = [await young.prometheusExpfmt(), await worker(4, 2).prometheusExpfmt()];
    const { text } = await merge(texts);
    const at = {
      dynamo_namespace: 'dynamo',
      dynamo_component: 'backend',
      dynamo_endpoint: 'generate',
    };
    expect(sampleValue(text, 'dynamo_component_requests_total', at)).toBe(7);
    expect(sampleValue(text, 'dynamo_component_inflight_requests', at)).toBe(3);
    expect(
      sampleValue(text, 'dynamo_component_duration_seconds_bucket', { ...at, le: '0.1' }),
    ).toBe(2);
    expect(sampleValue(text, 'dynamo_component_duration_seconds_bucket', { ...at, le: '1' })).toBe(
      7,
    );
    expect(
      sampleValue(text, 'dynamo_component_duration_seconds_bucket', { ...at, le: '+Inf' }),
    ).toBe(7);
    expect(sampleValue(text, 'dynamo_component_duration_seconds_count', at)).toBe(7);
    expect(sampleValue(text, 'dynamo_component_duration_seconds_sum', at)).toBe(0.05 * 2 + 0.5 * 5);
    const uptimes = texts.map((t) => sampleValue(t, 'dynamo_component_uptime_seconds'));
    expect(sampleValue(text, 'dynamo_component_uptime_seconds')).toBe(Math.max(...uptimes));
  });

  it('merges a prom-client metric by the aggregator its worker names', async () => {
    const texts = ['# HELP build_info Build\n# TYPE build_info gauge\nbuild_info{version="1"} 1\n'];
    texts.push(texts[0]);
    expect(sampleValue((await merge(texts)).text, 'build_info', { version: '1' })).toBe(2);
    expect(
      sampleValue((await merge(texts, { build_info: 'first' })).text, 'build_info', {
        version: '1',
      }),
    ).toBe(1);
  });

  it("keeps each worker's component series under its worker_id and sums the frontend's", async () => {
    const worker = (workerId: string, requests: number) => {
      const drt = new DistributedRuntime({ workerId, logger: { warn: () => {} } });
      drt
        .namespace('dynamo')
        .component('backend')
        .endpoint('generate')
        .createIntCounter('requests_total', 'Requests')
        .incBy(requests);
      drt
        .prefixed('dynamo_frontend_')
        .createIntCounterVec('requests_total', 'Requests', ['model'])
        .withLabelValues('m')
        .incBy(requests);
      return drt.prometheusExpfmt();
    };
    const { text, warnings } = await merge([await worker('a1', 3), await worker('b2', 4)]);
    expect(warnings).toEqual([]);
    const at = { dynamo_endpoint: 'generate' };
    expect(sampleValue(text, 'dynamo_component_requests_total', { ...at, worker_id: 'a1' })).toBe(
      3,
    );
    expect(sampleValue(text, 'dynamo_component_requests_total', { ...at, worker_id: 'b2' })).toBe(
      4,
    );
    expect(
      sampleValue(text, 'dynamo_component_uptime_seconds', { worker_id: 'a1' }),
    ).toBeGreaterThan(0);
    expect(
      sampleValue(text, 'dynamo_component_uptime_seconds', { worker_id: 'b2' }),
    ).toBeGreaterThan(0);
    // The frontend as one: Dynamo's frontend series carry no worker_id.
    expect(text).toContain('dynamo_frontend_requests_total{model="m"} 7\n');
  });
});
