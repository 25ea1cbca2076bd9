import { Module } from '@nestjs/common';
import {
  defaultWorkerId,
  DistributedRuntime,
  DynamoMetricsModule,
  type DynamoMetricsModuleOptions,
} from '../../lib';
import { ChatCompletionsController } from '../fixtures/nest/chat-completions.controller';
import { InventoryModule } from '../fixtures/nest/inventory.module';
import { TimedModule } from '../fixtures/nest/timed.module';
import { ADAPTERS, startApp, type RunningApp } from '../utils/nest-app';

// An app with every kind of dynamo_component_* series (work-handler metrics, @Timed() histograms,
// metrics of injected levels, uptime) and a frontend: where worker_id is, and where it is not.

function appModule(options: DynamoMetricsModuleOptions) {
  @Module({
    imports: [
      DynamoMetricsModule.forRoot({ includeRegistries: [], ...options }),
      TimedModule,
      InventoryModule,
    ],
    controllers: [ChatCompletionsController],
  })
  class AppModule {}
  return AppModule;
}

/** The sample lines of the scrape whose family name starts with `prefix`. */
const samples = (text: string, prefix: string) =>
  text.split('\n').filter((line) => line.startsWith(prefix));

describe.each(ADAPTERS)('worker_id in an app on %s', (adapter) => {
  let app: RunningApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  /** Starts the app, serves one request of each kind and returns the scrape. */
  async function scrapeOf(options: DynamoMetricsModuleOptions = {}): Promise<string> {
    app = await startApp(appModule(options), adapter);
    expect((await app.get('/model/run')).status).toBe(200);
    expect((await app.get('/items/add/2')).status).toBe(200);
    const chat = await fetch(`${app.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'llama', messages: [] }),
    });
    expect(chat.status).toBe(201);
    return (await app.get('/metrics')).text;
  }

  it("is the process's id on every dynamo_component_* series, uptime included, and on no frontend series", async () => {
    const text = await scrapeOf();
    const id = defaultWorkerId();
    expect(app!.app.get(DistributedRuntime).workerId).toBe(id);
    const component = samples(text, 'dynamo_component_');
    // The work-handler families of /model/run, six @Timed() histograms, the injected levels'
    // counter and gauge, the uptime gauge: every line carries the id.
    expect(component.length).toBeGreaterThan(60);
    expect(component.filter((line) => !line.includes(`worker_id="${id}"`))).toEqual([]);
    expect(component.filter((line) => line.startsWith('dynamo_component_uptime_seconds{'))).toEqual(
      [
        expect.stringMatching(
          new RegExp(`^dynamo_component_uptime_seconds\\{worker_id="${id}"\\} `),
        ),
      ],
    );
    const frontend = samples(text, 'dynamo_frontend_');
    expect(frontend.length).toBeGreaterThan(20);
    expect(frontend.filter((line) => line.includes('worker_id'))).toEqual([]);
    expect(text).toContain(
      'dynamo_frontend_requests_total{endpoint="chat_completions",error_type="",model="llama",request_type="unary",status="success"} 1\n',
    );
  });

  it('is the given id with workerId set, still on no frontend series', async () => {
    const text = await scrapeOf({ workerId: 0xbeef });
    const component = samples(text, 'dynamo_component_');
    expect(component.filter((line) => !line.includes('worker_id="beef"'))).toEqual([]);
    expect(samples(text, 'dynamo_frontend_').filter((line) => line.includes('worker_id'))).toEqual(
      [],
    );
  });

  it('is nowhere with workerId: false', async () => {
    const text = await scrapeOf({ workerId: false });
    expect(app!.app.get(DistributedRuntime).workerId).toBeUndefined();
    expect(samples(text, 'dynamo_component_').length).toBeGreaterThan(60);
    expect(text).not.toContain('worker_id');
  });
});
