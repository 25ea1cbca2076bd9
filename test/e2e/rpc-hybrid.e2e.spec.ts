import { Module, type INestApplication } from '@nestjs/common';
import {
  ClientProxyFactory,
  NatsRequestJSONDeserializer,
  Transport,
  type ClientProxy,
} from '@nestjs/microservices';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { lastValueFrom, toArray } from 'rxjs';
import { countDeserializationErrors, DynamoMetricsModule } from '../../lib';
import { GenerateController } from '../fixtures/nest/generate.module';
import { RpcController } from '../fixtures/nest/rpc.module';
import { until } from '../utils/microservice';
import { NatsServer } from '../utils/nats-server';
import { ADAPTERS } from '../utils/nest-app';
import { realTool } from '../utils/real-tools';
import { sampleValue } from '../utils/scrape';

const natsBinary = realTool('nats-server', 'apt-get install nats-server');

@Module({
  imports: [DynamoMetricsModule.forRoot({ uptime: false, includeRegistries: [] })],
  controllers: [GenerateController, RpcController],
})
class HybridModule {}

const backend = { dynamo_namespace: 'dynamo', dynamo_component: 'backend' };
const worker = { dynamo_namespace: 'dynamo', dynamo_component: 'worker' };

(natsBinary ? describe.each(ADAPTERS) : describe.skip.each(ADAPTERS))(
  'a hybrid app (HTTP on %s + NATS)',
  (adapter) => {
    let nats: NatsServer;
    let app: INestApplication;
    let client: ClientProxy;
    let raw: NatsConnection;
    let url: string;

    beforeAll(async () => {
      nats = await NatsServer.start(natsBinary!);
    });
    afterAll(() => nats.stop());
    afterEach(async () => {
      await raw?.close();
      await client?.close();
      await app?.close();
    });

    // Nest's documented order: the microservice listens before the HTTP app is initialised.
    async function start(): Promise<void> {
      const testing = await Test.createTestingModule({ imports: [HybridModule] }).compile();
      app = testing.createNestApplication(
        adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(),
        { logger: false },
      );
      const options = {
        servers: [nats.url],
        deserializer: countDeserializationErrors(new NatsRequestJSONDeserializer()),
      };
      app.connectMicroservice({ transport: Transport.NATS, options });
      await app.startAllMicroservices();
      client = ClientProxyFactory.create({
        transport: Transport.NATS,
        options: { servers: [nats.url] },
      }) as ClientProxy;
      await client.connect();
      raw = await connect({ servers: nats.url });
    }
    const request = (pattern: string, data: unknown) =>
      lastValueFrom(client.send(pattern, data).pipe(toArray()));

    it('reports NATS and HTTP endpoints in one scrape, including requests before the app listened', async () => {
      await start();
      // Before app.listen(): the handler is bound at its first call.
      expect(await request('sum', [1, 2])).toEqual([3]);
      await app.listen(0, '127.0.0.1');
      url = await app.getUrl();
      expect(await request('sum', [3, 4])).toEqual([7]);
      const generated = await fetch(`${url}/generate`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'hi' }),
      });
      expect(await generated.json()).toEqual({ text: 'HI' });

      const text = await (await fetch(`${url}/metrics`)).text();
      const sum = { ...worker, dynamo_endpoint: 'sum' };
      expect(sampleValue(text, 'dynamo_component_requests_total', sum)).toBe(2);
      expect(sampleValue(text, 'dynamo_component_request_bytes_total', sum)).toBe(10);
      expect(sampleValue(text, 'dynamo_component_response_bytes_total', sum)).toBe(2);
      expect(sampleValue(text, 'dynamo_component_inflight_requests', sum)).toBe(0);
      const generate = { ...backend, dynamo_endpoint: 'generate' };
      expect(sampleValue(text, 'dynamo_component_requests_total', generate)).toBe(1);
      expect(sampleValue(text, 'dynamo_component_request_bytes_total', generate)).toBe(15);
    });

    it('counts a NATS message that cannot be decoded as a deserialization error of its endpoint', async () => {
      await start();
      await app.listen(0, '127.0.0.1');
      url = await app.getUrl();
      raw.publish('sum', 'not json');
      raw.publish('sum', '{"pattern":');
      await raw.flush();
      const sum = { ...worker, dynamo_endpoint: 'sum' };
      const scrape = async () => (await fetch(`${url}/metrics`)).text();
      await until(
        async () => sampleValue(await scrape(), 'dynamo_component_requests_total', sum) === 2,
        'two undecodable messages',
      );
      // A good request afterwards is served and counted as usual.
      expect(await request('sum', [5])).toEqual([5]);
      const text = await scrape();
      expect(sampleValue(text, 'dynamo_component_requests_total', sum)).toBe(3);
      expect(
        sampleValue(text, 'dynamo_component_errors_total', {
          ...sum,
          error_type: 'deserialization',
        }),
      ).toBe(2);
      // 8 + 11 raw bytes, then "[5]".
      expect(sampleValue(text, 'dynamo_component_request_bytes_total', sum)).toBe(22);
      expect(sampleValue(text, 'dynamo_component_request_duration_seconds_count', sum)).toBe(3);
      expect(sampleValue(text, 'dynamo_component_inflight_requests', sum)).toBe(0);
    });
  },
);
