import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { traceExemplarSource } from '../../lib/trace-exemplars';
import { startTracing, type Tracing } from '../utils/tracing';

const root = join(__dirname, '..', '..');

describe('exemplars from the active OpenTelemetry span', () => {
  let tracing: Tracing;
  beforeAll(() => (tracing = startTracing()));
  afterAll(() => tracing.shutdown());

  it("reads a sampled span's trace and span ids, and nothing without one", async () => {
    const source = (await traceExemplarSource(undefined))!;
    expect(source()).toBeUndefined();
    const span = tracing.tracer.startSpan('work');
    const { traceId, spanId } = span.spanContext();
    context.with(trace.setSpan(context.active(), span), () => {
      expect(source()).toEqual({ trace_id: traceId, span_id: spanId });
    });
    span.end();
  });

  it('ignores an unsampled span and an invalid span context', async () => {
    const source = (await traceExemplarSource(true))!;
    const unsampled = trace.wrapSpanContext({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId: '00f067aa0ba902b7',
      traceFlags: TraceFlags.NONE,
    });
    const invalid = trace.wrapSpanContext({
      traceId: '0'.repeat(32),
      spanId: '0'.repeat(16),
      traceFlags: TraceFlags.SAMPLED,
    });
    for (const span of [unsampled, invalid]) {
      context.with(trace.setSpan(context.active(), span), () => expect(source()).toBeUndefined());
    }
  });

  it('is off with `exemplars: false`, without loading anything', async () => {
    const load = jest.fn(() => import('@opentelemetry/api'));
    expect(await traceExemplarSource(false, load)).toBeUndefined();
    expect(load).not.toHaveBeenCalled();
  });

  it('is off when @opentelemetry/api cannot be loaded or is not the API', async () => {
    const missing = () =>
      Promise.reject(
        Object.assign(new Error("Cannot find package '@opentelemetry/api'"), {
          code: 'ERR_MODULE_NOT_FOUND',
        }),
      );
    expect(await traceExemplarSource(undefined, missing)).toBeUndefined();
    expect(await traceExemplarSource(undefined, () => Promise.resolve({}))).toBeUndefined();
  });

  it('leaves the built package working in a process where @opentelemetry/api is not installed', () => {
    // A resolve hook that finds no @opentelemetry/api, as in an app that never installed it.
    const hook =
      'export async function resolve(specifier, context, next) {' +
      " if (specifier.startsWith('@opentelemetry/api')) {" +
      " const error = new Error('Cannot find package ' + specifier);" +
      " error.code = 'ERR_MODULE_NOT_FOUND'; throw error; }" +
      ' return next(specifier, context); }';
    const script = `
      const { register } = require('node:module');
      register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));
      (async () => {
        const absent = await import('@opentelemetry/api').then(() => false, () => true);
        const { traceExemplarSource } = require('./dist/cjs/trace-exemplars.js');
        const { DistributedRuntime } = require('./dist/cjs/core');
        const source = await traceExemplarSource(undefined);
        const drt = new DistributedRuntime({ uptime: false, workerId: false });
        drt.namespace('ns').createHistogram('wait_seconds', 'Wait', { buckets: [1] }).observe(0.5);
        const text = await drt.prometheusExpfmt('openmetrics');
        console.log(JSON.stringify({ absent, source: typeof source, bucket: text.includes('le="1"} 1\\n') }));
      })();
    `;
    const result = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ absent: true, source: 'undefined', bucket: true });
  });
});
