import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { FrontendMetrics, type DistributedRuntimeOptions } from '../../lib/core';
import { quietRuntime, testLogger } from '../utils/runtime';

// What FrontendMetrics keeps per model name (its label, the name's spellings, each model's
// endpoints) must stay within the series cap, whatever maxModels says.

function frontend(runtimeOptions: DistributedRuntimeOptions, maxModels = Infinity) {
  const { drt } = quietRuntime(runtimeOptions);
  const logger = testLogger();
  const metrics = new FrontendMetrics(drt, { maxModels }, { env: {}, logger });
  return { drt, metrics, logger };
}

/** A fresh, flat one-byte string of `length` characters starting with `prefix`. */
function flatName(prefix: string, length: number): string {
  const bytes = Buffer.alloc(length, 'x');
  bytes.write(prefix, 'latin1');
  return bytes.toString('latin1');
}

/** A full garbage collection, and the heap in use after it. */
function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('what the frontend keeps per model name with maxModels: Infinity', () => {
  it('keeps at most maxSeriesPerMetric model names; later new ones are __overflow__', async () => {
    const { drt, metrics, logger } = frontend({ maxSeriesPerMetric: 50 });
    for (let i = 0; i < 5000; i++) metrics.start(`model-${i}`, 'completions').finish();
    // 50 labels and `__overflow__`, 50 names, one endpoint of each of the 50 models (the 51st
    // requests_total series, `__overflow__`'s, went to the vec's overflow series).
    expect(metrics.retainedEntries).toBe(151);
    expect(metrics.modelLabel('model-49')).toBe('model-49');
    expect(metrics.modelLabel('model-50')).toBe('__overflow__');
    expect(metrics.modelLabel('another')).toBe('__overflow__');
    const text = await drt.prometheusExpfmt();
    expect(text).toContain('dynamo_frontend_inflight_requests{model="__overflow__"} 0\n');
    // 4,950 requests over the model cap, each counted for its model name, and once more by
    // requests_total, full with the 50 models' series.
    expect(text).toContain(
      'dynamo_metrics_series_overflow_total{metric="dynamo_frontend_requests_total"} 9900\n',
    );
    expect(logger.warn.mock.calls).toEqual([
      [
        'dynamo_frontend_* metrics reached their limit of 50 distinct model names; model "model-50" ' +
          'and later new ones are labelled "__overflow__" and counted in dynamo_metrics_series_overflow_total. ' +
          'Declare the served models (frontend.models) or raise frontend.maxModels (at most maxSeriesPerMetric).',
      ],
    ]);
  });

  it("keeps a model's endpoints only while requests_total has a series for them", () => {
    const { metrics } = frontend({ maxSeriesPerMetric: 20 });
    for (let i = 0; i < 2000; i++) metrics.start('one-model', `endpoint-${i}`).finish();
    // One label, one name, 20 endpoints.
    expect(metrics.retainedEntries).toBe(22);
  });

  it('retains no more heap than the capped names take, after 3,000 names of 10 KB', () => {
    const { metrics } = frontend({ maxSeriesPerMetric: 50, maxLabelValueLength: 10_000 });
    const before = heapAfterGc();
    for (let i = 0; i < 3000; i++) {
      metrics.start(flatName(`${i}-`, 10_000), 'completions').finish();
    }
    const retained = heapAfterGc() - before;
    // 50 names of 10 KB, kept as name and label: about 1 MB. All 3,000 would be 30 MB or more.
    expect(metrics.retainedEntries).toBe(151);
    expect(retained).toBeLessThan(6 * 1024 * 1024);
  });
});
