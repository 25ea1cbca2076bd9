import { Module } from '@nestjs/common';
import { DynamoMetricsModule } from '../../lib';
import { ModelService, TimedModule } from '../fixtures/nest/timed.module';
import { ADAPTERS, startApp, type RunningApp } from '../utils/nest-app';
import { sampleValue } from '../utils/scrape';

@Module({
  imports: [DynamoMetricsModule.forRoot({ uptime: false, includeRegistries: [] }), TimedModule],
})
class AppModule {}

const model = { dynamo_namespace: 'dynamo', dynamo_component: 'model' };

describe.each(ADAPTERS)('@Timed on %s', (adapter) => {
  let app: RunningApp;
  beforeEach(async () => {
    app = await startApp(AppModule, adapter);
  });
  afterEach(() => app.close());

  it('times sync, async and Observable methods of a provider and a handler, results unchanged', async () => {
    const first = await app.get('/model/run');
    await app.get('/model/run');
    expect(JSON.parse(first.text)).toEqual({
      tokens: ['a', 'b', 'c'],
      loaded: 'loaded',
      streamed: 3,
    });
    const text = (await app.get('/metrics')).text;
    expect(sampleValue(text, 'dynamo_component_tokenize_duration_seconds_count', model)).toBe(2);
    expect(sampleValue(text, 'dynamo_component_stream_duration_seconds_count', model)).toBe(2);
    const load = { ...model, model: 'llama' };
    expect(sampleValue(text, 'dynamo_component_load_seconds_count', load)).toBe(2);
    expect(sampleValue(text, 'dynamo_component_load_seconds_bucket', { ...load, le: '0.01' })).toBe(
      0,
    );
    expect(sampleValue(text, 'dynamo_component_load_seconds_bucket', { ...load, le: '0.1' })).toBe(
      2,
    );
    expect(text).toContain(
      '# HELP dynamo_component_load_seconds Duration of load calls in seconds\n',
    );
    expect(sampleValue(text, 'dynamo_component_run_seconds_count', model)).toBe(2);
    // The same handler is also a @DynamoEndpoint: both measure it.
    expect(
      sampleValue(text, 'dynamo_component_requests_total', { ...model, dynamo_endpoint: 'run' }),
    ).toBe(2);
    expect(sampleValue(text, 'dynamo_component_run_seconds_sum', model)).toBeGreaterThanOrEqual(
      0.04,
    );
  });

  it('times failed calls too and passes their errors through unchanged', async () => {
    const service = app.app.get(ModelService);
    expect(() => service.explode()).toThrow(new TypeError('bad input'));
    await expect(service.reject()).rejects.toThrow(new RangeError('too far'));
    const text = (await app.get('/metrics')).text;
    expect(sampleValue(text, 'dynamo_component_explode_duration_seconds_count', model)).toBe(1);
    expect(sampleValue(text, 'dynamo_component_reject_duration_seconds_count', model)).toBe(1);
  });
});
