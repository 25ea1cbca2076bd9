import { DistributedRuntime, FrontendMetrics } from '../../lib/core';

// Exemplars from an environment's `exemplar` function are checked and copied when a request
// starts: a bad one gives that request none (warned once) and never reaches a scrape, which would
// otherwise fail every OpenMetrics scrape of the runtime. observeWithExemplar keeps a copy.

function frontendWith(exemplar: () => unknown) {
  const drt = new DistributedRuntime({ uptime: false, workerId: false });
  const warnings: string[] = [];
  const frontend = new FrontendMetrics(
    drt,
    { models: ['m'] },
    { exemplar: exemplar as never, logger: { warn: (message) => warnings.push(message) } },
  );
  return { drt, frontend, warnings };
}

const exemplarLines = (text: string) => text.split('\n').filter((line) => line.includes(' # {'));

describe('exemplars from the frontend environment', () => {
  it.each([
    ['null', () => null, "Exemplar of 'dynamo_frontend_request_duration_seconds' got labels null"],
    ['a number value', () => ({ trace_id: 42 }), 'got labels {"trace_id":42}'],
    ['an invalid label name', () => ({ 'bad-name': 'x' }), 'Invalid label name "bad-name"'],
    ['over 128 characters', () => ({ trace_id: 'x'.repeat(200) }), '128'],
    [
      'a throw',
      () => {
        throw new Error('tracer down');
      },
      'tracer down',
    ],
  ])(
    '%s: the request gets none, the OpenMetrics scrape works, one warning',
    async (_, source, said) => {
      const { drt, frontend, warnings } = frontendWith(source);
      frontend.start('m', 'chat_completions').finish();
      frontend.start('m', 'chat_completions').finish();
      const text = await drt.prometheusExpfmt('openmetrics');
      expect(text).toContain(
        'dynamo_frontend_requests_total{endpoint="chat_completions",error_type="",model="m",request_type="unary",status="success"} 2',
      );
      expect(exemplarLines(text)).toEqual([]);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('dynamo_frontend_* exemplar refused');
      expect(warnings[0]).toContain(said);
    },
  );

  it('a valid one is copied: changing the object later changes nothing', async () => {
    const labels = { trace_id: 'a'.repeat(32), span_id: 'b'.repeat(16) };
    const { drt, frontend, warnings } = frontendWith(() => labels);
    frontend.start('m', 'chat_completions').finish();
    labels.trace_id = 'bad value after the fact';
    const lines = exemplarLines(await drt.prometheusExpfmt('openmetrics'));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((line) => line.includes(`trace_id="${'a'.repeat(32)}"`))).toBe(true);
    expect(warnings).toEqual([]);
  });
});

describe('observeWithExemplar', () => {
  it('keeps a copy of the labels', async () => {
    const drt = new DistributedRuntime({ uptime: false, workerId: false });
    const histogram = drt.createHistogram('work_seconds', 'Work', { buckets: [1] });
    const labels = { trace_id: 'abc' };
    histogram.observeWithExemplar(0.5, labels);
    labels.trace_id = 'changed';
    expect(histogram.getExemplars()).toEqual([
      expect.objectContaining({ le: 1, labels: { trace_id: 'abc' }, value: 0.5 }),
    ]);
  });
});
