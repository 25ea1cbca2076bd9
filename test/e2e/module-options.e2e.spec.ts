import { Module } from '@nestjs/common';
import { DynamoMetricsModule } from '../../lib';
import { TimedModule } from '../fixtures/nest/timed.module';
import { ADAPTERS, startApp, type RunningApp } from '../utils/nest-app';
import { sampleValue } from '../utils/scrape';

@Module({
  imports: [
    DynamoMetricsModule.forRoot({
      includeRegistries: [],
      constLabels: { service: 'api' },
      buckets: { requestDuration: [0.5, 1], timed: [0.25] },
    }),
    TimedModule,
  ],
})
class AppModule {}

const model = { dynamo_namespace: 'dynamo', dynamo_component: 'model', service: 'api' };

/** The `le` values of a histogram's series, in order. */
const bounds = (text: string, metric: string) =>
  text
    .split('\n')
    .filter((line) => line.startsWith(`${metric}_bucket{`))
    .map((line) => /le="([^"]+)"/.exec(line)![1]);

describe.each(ADAPTERS)('module constLabels and buckets on %s', (adapter) => {
  let app: RunningApp;
  beforeEach(async () => {
    app = await startApp(AppModule, adapter);
  });
  afterEach(() => app.close());

  it('puts the const labels on every series, the uptime gauge included', async () => {
    await app.get('/model/run');
    const text = (await app.get('/metrics')).text;
    const samples = text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(samples.length).toBeGreaterThan(20);
    expect(samples.filter((line) => !line.includes('service="api"'))).toEqual([]);
    expect(
      sampleValue(text, 'dynamo_component_uptime_seconds', { service: 'api' }),
    ).toBeGreaterThan(0);
    expect(
      sampleValue(text, 'dynamo_component_requests_total', { ...model, dynamo_endpoint: 'run' }),
    ).toBe(1);
  });

  it("uses the bucket overrides where a decorator gives none, and the decorator's own first", async () => {
    await app.get('/model/run');
    const text = (await app.get('/metrics')).text;
    expect(bounds(text, 'dynamo_component_request_duration_seconds')).toEqual(['0.5', '1', '+Inf']);
    expect(bounds(text, 'dynamo_component_tokenize_duration_seconds')).toEqual(['0.25', '+Inf']);
    expect(bounds(text, 'dynamo_component_load_seconds')).toEqual(['0.01', '0.1', '1', '+Inf']);
  });
});
