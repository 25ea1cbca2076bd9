import { Body, Controller, Module, Post, Res } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { DynamoEndpoint, DynamoFrontend, DynamoMetricsModule } from '../../lib';
import { ADAPTERS, startApp, type RunningApp } from '../utils/nest-app';

// A handler that writes the response itself (`@Res()`) returns `undefined`: that is not its first
// token, so no TTFT is observed (before, it was observed when the handler returned). And boolean
// module options refuse other values, naming them.

interface RawReply {
  // Express's res, or Fastify's reply
  status?(code: number): RawReply;
  code?(code: number): RawReply;
  send(body: unknown): unknown;
}

@Controller('v1')
class ProxyController {
  @Post('chat/completions')
  @DynamoFrontend({ endpoint: 'chat_completions' })
  async chat(@Body() body: { model: string }, @Res() reply: RawReply): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 20));
    reply.send({ model: body.model, choices: [{ message: { content: 'piped' } }] });
  }
}

@Module({
  imports: [
    DynamoMetricsModule.forRoot({
      uptime: false,
      workerId: false,
      includeRegistries: [],
      frontend: { models: ['m'] },
    }),
  ],
  controllers: [ProxyController],
})
class ProxyModule {}

describe.each(ADAPTERS)('@DynamoFrontend() with @Res() on %s', (adapter) => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await startApp(ProxyModule, adapter);
  });
  afterAll(() => app.close());

  it('counts the request and observes no time to first token', async () => {
    const response = await fetch(`${app.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm' }),
    });
    expect(await response.json()).toEqual({
      model: 'm',
      choices: [{ message: { content: 'piped' } }],
    });
    const lines = (await app.get('/metrics')).text.split('\n');
    expect(lines).toContain(
      'dynamo_frontend_requests_total{endpoint="chat_completions",error_type="",model="m",request_type="unary",status="success"} 1',
    );
    expect(lines.filter((line) => line.startsWith('dynamo_frontend_time_to_first_token'))).toEqual(
      [],
    );
    expect(lines).toContain('dynamo_frontend_request_duration_seconds_count{model="m"} 1');
  });
});

@Controller()
class PlainController {
  @Post('x')
  @DynamoEndpoint()
  x(): string {
    return 'x';
  }
}

describe('boolean module options', () => {
  it.each([
    ['exemplars', 'false'],
    ['replaceServerClasses', 0],
  ])('%s: %p is refused at start-up, named', async (option, value) => {
    @Module({
      imports: [DynamoMetricsModule.forRoot({ [option]: value } as never)],
      controllers: [PlainController],
    })
    class AppModule {}
    const start = async () => {
      const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
      const app = moduleRef.createNestApplication({ logger: false });
      try {
        await app.init();
      } finally {
        await app.close();
      }
    };
    await expect(start()).rejects.toThrow(
      `Invalid ${option} option ${typeof value === 'string' ? `"${value}"` : value}: use true or false`,
    );
  });
});
