import { spawnSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import {
  BadRequestException,
  Body,
  Controller,
  type MessageEvent,
  Module,
  RequestMethod,
  Sse,
} from '@nestjs/common';
import { concat, delay, NEVER, of, type Observable } from 'rxjs';
import { DynamoFrontend, DynamoMetricsModule } from '../../lib';
import { parseExposition, samplesOf } from '../utils/exposition';
import { ADAPTERS, startApp, type RunningApp } from '../utils/nest-app';
import { realTool } from '../utils/real-tools';

const promtool = realTool('promtool', 'apt-get install prometheus');

const FAMILIES = [
  'dynamo_frontend_cached_tokens',
  'dynamo_frontend_disconnected_clients',
  'dynamo_frontend_inflight_requests',
  'dynamo_frontend_input_sequence_tokens',
  'dynamo_frontend_inter_token_latency_seconds',
  'dynamo_frontend_output_sequence_tokens',
  'dynamo_frontend_output_tokens_total',
  'dynamo_frontend_queued_requests',
  'dynamo_frontend_request_duration_seconds',
  'dynamo_frontend_requests_total',
  'dynamo_frontend_time_to_first_token_seconds',
];

const delta = (content: string) => ({ choices: [{ index: 0, delta: { content } }] });

@Controller('v1')
class CompletionsController {
  /** A short stream with usage, or (model "held") one that never ends. */
  @Sse('chat/completions', { method: RequestMethod.POST })
  @DynamoFrontend({ endpoint: 'chat_completions' })
  chat(@Body() body: { model: string; messages?: unknown[] }): Observable<MessageEvent> {
    if (!Array.isArray(body.messages)) throw new BadRequestException('messages are required');
    const first = of({ data: delta('Hi') });
    if (body.model === 'held') return concat(first, NEVER);
    return concat(
      first,
      of(
        { data: delta(' there') },
        {
          data: {
            choices: [],
            usage: {
              prompt_tokens: 12,
              completion_tokens: 2,
              prompt_tokens_details: { cached_tokens: 4 },
            },
          },
        },
      ).pipe(delay(5)),
    );
  }
}

@Module({
  imports: [DynamoMetricsModule.forRoot({ includeRegistries: [], workerId: 7 })],
  controllers: [CompletionsController],
})
class AppModule {}

(promtool ? describe.each(ADAPTERS) : describe.skip.each(ADAPTERS))(
  'promtool check metrics on a scrape with every dynamo_frontend_* family (%s)',
  (adapter) => {
    let app: RunningApp;
    beforeAll(async () => {
      app = await startApp(AppModule, adapter);
    });
    afterAll(() => app.close());

    const post = (body: object) =>
      fetch(app.url + '/v1/chat/completions', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(async (response) => ({ status: response.status, text: await response.text() }));

    it('accepts the scrape, with every family present and typed as Dynamo has it', async () => {
      expect((await post({ model: 'Llama "3"\\8B', messages: [{}] })).status).toBe(201);
      expect((await post({ model: 'llama' })).status).toBe(400);
      // A client that reads the first token and hangs up.
      await new Promise<void>((resolve) => {
        const { port } = new URL(app.url);
        const payload = JSON.stringify({ model: 'held', messages: [{}] });
        const req = httpRequest({
          host: '127.0.0.1',
          port,
          path: '/v1/chat/completions',
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': payload.length },
        });
        req.on('response', (res) => res.once('data', () => (req.destroy(), resolve())));
        req.end(payload);
      });
      let text = '';
      for (let i = 0; i < 100; i++) {
        text = (await app.get('/metrics')).text;
        if (text.includes('error_type="cancelled"')) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const samples = parseExposition(text);
      for (const family of FAMILIES) expect(text).toContain(`# HELP ${family} `);
      expect(
        samplesOf(samples, 'dynamo_frontend_requests_total')
          .map((s) => `${s.labels.model}/${s.labels.status}/${s.labels.error_type}`)
          .sort(),
      ).toEqual(['held/error/cancelled', 'llama "3"\\8b/success/', 'llama/error/validation']);
      // workerId 7 labels the runtime's own series, never the frontend's (as in Dynamo).
      expect(text).toContain('dynamo_frontend_disconnected_clients 1\n');
      expect(text).toMatch(/^dynamo_component_uptime_seconds\{worker_id="7"\} /m);
      expect(text).not.toMatch(/^dynamo_frontend_.*worker_id/m);

      const check = spawnSync(promtool!, ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(check.stdout + check.stderr).toBe('');
      expect(check.status).toBe(0);

      const openMetrics = await app.get('/metrics', {
        accept: 'application/openmetrics-text; version=1.0.0',
      });
      expect(openMetrics.text).toContain('# TYPE dynamo_frontend_requests counter\n');
      expect(openMetrics.text).toContain('# TYPE dynamo_frontend_output_tokens counter\n');
      expect(openMetrics.text.endsWith('# EOF\n')).toBe(true);
    });

    it('rejects a broken frontend line, so the check above can fail', () => {
      const check = spawnSync(promtool!, ['check', 'metrics'], {
        input:
          '# HELP dynamo_frontend_requests_total Total number of LLM requests processed\n' +
          '# TYPE dynamo_frontend_requests_total counter\n' +
          'dynamo_frontend_requests_total{model="a} 1\n',
        encoding: 'utf8',
      });
      expect(check.status).toBe(1);
    });
  },
);
