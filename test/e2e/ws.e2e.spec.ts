import { Module } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { DynamoMetricsModule } from '../../lib';
import { ChatGateway, ChatModule } from '../fixtures/nest/chat.gateway';
import { until } from '../utils/microservice';
import { ADAPTERS, startApp, type RunningApp } from '../utils/nest-app';
import { sampleValue, WORK_HANDLER_OK, workHandlerCounts } from '../utils/scrape';
import { WsClient } from '../utils/ws-client';

@Module({
  imports: [DynamoMetricsModule.forRoot({ uptime: false, includeRegistries: [] }), ChatModule],
})
class AppModule {}

const chat = { dynamo_namespace: 'dynamo', dynamo_component: 'chat' };
/** Every work-handler counter of one endpoint, as numbers. */
const counts = (text: string, endpoint: string, labels: Record<string, string> = {}) =>
  workHandlerCounts(text, { ...chat, dynamo_endpoint: endpoint, ...labels });
const ok = WORK_HANDLER_OK;

describe.each(ADAPTERS)(
  '@DynamoEndpoint on WebSocket gateway handlers (ws, HTTP on %s)',
  (adapter) => {
    let app: RunningApp;
    let client: WsClient;
    beforeEach(async () => {
      app = await startApp(AppModule, adapter, (nest) =>
        nest.useWebSocketAdapter(new WsAdapter(nest)),
      );
      client = await WsClient.connect(app.url.replace('http', 'ws'));
    });
    afterEach(async () => {
      await client.close();
      await app.close();
    });
    const scrape = async () => (await app.get('/metrics')).text;

    it('counts messages, payload bytes and the bytes of every frame sent back exactly', async () => {
      client.send('echo', 'hi');
      client.send('echo', 'héllo');
      const echoed = await client.frames(2);
      expect(echoed).toEqual([
        { event: 'echo', data: 'hi' },
        { event: 'echo', data: 'héllo' },
      ]);
      client.send('tokens', { count: 3 });
      await client.frames(5);
      const echoBytes = client.bytes('echo');
      const tokenBytes = client.bytes('token');
      client.send('note', { text: 'x' });
      const gateway = app.app.get(ChatGateway);
      await until(() => gateway.sockets.length === 1, 'the note');

      const text = await scrape();
      // '"hi"' and '"héllo"' (é is 2 bytes) in; the frames out, as the client received them.
      expect(counts(text, 'echo')).toEqual({
        ...ok,
        requests: 2,
        durations: 2,
        requestBytes: 12,
        responseBytes: echoBytes,
      });
      expect(echoBytes).toBe(28 + 32);
      expect(counts(text, 'generate', { model: 'llama' })).toEqual({
        ...ok,
        requests: 1,
        durations: 1,
        requestBytes: 11,
        responseBytes: tokenBytes,
      });
      expect(tokenBytes).toBe(3 * 29);
      // Without parameter decorators the handler still gets the socket; it replies nothing.
      expect(counts(text, 'note')).toEqual({
        ...ok,
        requests: 1,
        durations: 1,
        requestBytes: 12,
        responseBytes: 0,
      });
      expect(typeof (gateway.sockets[0] as { send?: unknown }).send).toBe('function');
    });

    it('counts failures as generate and a reply stream that fails as response_stream', async () => {
      client.send('fail', {});
      client.send('breaks', {});
      await until(
        async () =>
          sampleValue(await scrape(), 'dynamo_component_errors_total', {
            ...chat,
            dynamo_endpoint: 'breaks',
            error_type: 'response_stream',
          }) === 1,
        'the broken stream',
      );
      const text = await scrape();
      expect(counts(text, 'fail')).toEqual({
        ...ok,
        requests: 1,
        durations: 1,
        requestBytes: 2,
        responseBytes: 0,
        generate: 1,
      });
      expect(counts(text, 'breaks')).toEqual({
        ...ok,
        requests: 1,
        durations: 1,
        requestBytes: 2,
        responseBytes: 27,
        responseStream: 1,
      });
      // The handler's one reply, then the error frames Nest's exception filter sends (not replies
      // of the handler, so not response bytes).
      expect(client.bytes('part')).toBe(27);
      expect(client.received.map((frame) => (frame as { event: string }).event).sort()).toEqual([
        'exception',
        'exception',
        'part',
      ]);
    });

    it('counts a client that disconnects during a reply stream as a cancellation', async () => {
      client.send('forever', null);
      await client.frames(2);
      await client.close();
      await until(
        async () =>
          sampleValue(await scrape(), 'dynamo_component_cancellation_total', {
            ...chat,
            dynamo_endpoint: 'forever',
          }) === 1,
        'the cancellation',
      );
      const text = await scrape();
      expect(counts(text, 'forever')).toEqual({
        ...ok,
        cancelled: 1,
        requests: 1,
        durations: 1,
        requestBytes: 4,
        responseBytes: client.bytes(),
      });
      expect(client.bytes()).toBe(2 * 25);
    });

    it('times a gateway handler with @Timed once per message', async () => {
      client.send('timed', 20);
      client.send('timed', 1);
      await client.frames(2);
      const text = await scrape();
      expect(sampleValue(text, 'dynamo_component_timed_duration_seconds_count', chat)).toBe(2);
      expect(
        sampleValue(text, 'dynamo_component_timed_duration_seconds_sum', chat),
      ).toBeGreaterThanOrEqual(0.02);
      expect(text).not.toContain('dynamo_endpoint="timed"');
    });
  },
);
