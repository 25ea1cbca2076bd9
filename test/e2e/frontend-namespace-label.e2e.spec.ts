import { Body, Controller, Module, Post } from '@nestjs/common';
import { DynamoEndpoint, DynamoFrontend, DynamoMetricsModule } from '../../lib';
import { ADAPTERS, startApp, type RunningApp } from '../utils/nest-app';

// `frontend.namespaceLabel`: for setups that relabel nothing, `dynamo_namespace` on every
// `dynamo_frontend_*` series, the module's namespace with `true`, as Dynamo's SLA planner filters
// on it; off by default, as in Dynamo's own output.

@Controller('v1')
class ChatController {
  @Post('chat/completions')
  @DynamoFrontend({ endpoint: 'chat_completions' })
  @DynamoEndpoint()
  chat(@Body() body: { model: string }): object {
    return { model: body.model, choices: [{ message: { content: 'hi' } }] };
  }
}

function appWith(frontend: { namespaceLabel?: string | boolean }) {
  @Module({
    imports: [
      DynamoMetricsModule.forRoot({
        namespace: 'prod-llm',
        workerId: false,
        uptime: false,
        includeRegistries: [],
        frontend: { models: ['demo'], ...frontend },
      }),
    ],
    controllers: [ChatController],
  })
  class AppModule {}
  return AppModule;
}

const chat = (app: RunningApp) =>
  fetch(`${app.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'demo' }),
  }).then((response) => response.text());

/** The scrape's `requests_total` lines of both prefixes. */
const requestLines = async (app: RunningApp) =>
  (await app.get('/metrics')).text
    .split('\n')
    .filter((line) => /^dynamo_(frontend|component)_requests_total\{/.test(line));

describe.each(ADAPTERS)('frontend namespaceLabel on %s', (adapter) => {
  let app: RunningApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('true: every dynamo_frontend_* series carries the module namespace as given (DYN_NAMESPACE), the components its sanitized form', async () => {
    app = await startApp(appWith({ namespaceLabel: true }), adapter);
    await chat(app);
    expect(await requestLines(app)).toEqual([
      'dynamo_component_requests_total{dynamo_component="chat",dynamo_endpoint="chat",dynamo_namespace="prod_llm"} 1',
      'dynamo_frontend_requests_total{dynamo_namespace="prod-llm",endpoint="chat_completions",error_type="",model="demo",request_type="unary",status="success"} 1',
    ]);
    const text = (await app.get('/metrics')).text;
    const frontendSeries = text.split('\n').filter((line) => line.startsWith('dynamo_frontend_'));
    expect(frontendSeries.length).toBeGreaterThanOrEqual(20);
    expect(frontendSeries.filter((line) => !line.includes('dynamo_namespace="prod-llm"'))).toEqual(
      [],
    );
  });

  it('a string: that value', async () => {
    app = await startApp(appWith({ namespaceLabel: 'team-a' }), adapter);
    await chat(app);
    expect((await requestLines(app))[1]).toBe(
      'dynamo_frontend_requests_total{dynamo_namespace="team-a",endpoint="chat_completions",error_type="",model="demo",request_type="unary",status="success"} 1',
    );
  });

  it('off by default, as in Dynamo', async () => {
    app = await startApp(appWith({}), adapter);
    await chat(app);
    expect((await requestLines(app))[1]).toBe(
      'dynamo_frontend_requests_total{endpoint="chat_completions",error_type="",model="demo",request_type="unary",status="success"} 1',
    );
  });
});
