import type { INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { defaultWorkerId, DistributedRuntime } from 'nestjs-dynamo-metrics/core';
import request from 'supertest';
import { AppModule } from '../src/app.module';

// worker_id: this process's id, the default.
const workerId = `worker_id="${defaultWorkerId()}"`;
const endpoint = `dynamo_component="orders",dynamo_endpoint="place",dynamo_namespace="shop",${workerId}`;
const component = `dynamo_component="orders",dynamo_namespace="shop",${workerId}`;

describe.each(['express', 'fastify'])('a Nest 11 CommonJS app on %s', (adapter) => {
  let app: INestApplication;

  beforeEach(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    if (adapter === 'fastify') {
      app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter());
      await app.init();
      await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
    } else {
      app = moduleRef.createNestApplication(new ExpressAdapter());
      await app.init();
    }
  });

  afterEach(() => app.close());

  it('counts requests, the injected counter and the @Timed calls on /metrics', async () => {
    for (let i = 0; i < 2; i++) {
      await request(app.getHttpServer())
        .post('/orders')
        .send({ items: 2 })
        .expect(201, { total: 6 });
    }

    const scrape = await request(app.getHttpServer()).get('/metrics').expect(200);
    expect(scrape.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    for (const line of [
      `dynamo_component_requests_total{${endpoint}} 2`,
      `dynamo_component_request_duration_seconds_count{${endpoint}} 2`,
      `dynamo_component_request_bytes_total{${endpoint}} 22`,
      `dynamo_component_response_bytes_total{${endpoint}} 22`,
      `dynamo_component_inflight_requests{${endpoint}} 0`,
      '# HELP dynamo_component_orders_placed_total Orders placed',
      '# TYPE dynamo_component_orders_placed_total counter',
      `dynamo_component_orders_placed_total{${component}} 2`,
      '# TYPE dynamo_component_price_seconds histogram',
      `dynamo_component_price_seconds_bucket{${component},le="+Inf"} 2`,
      `dynamo_component_price_seconds_count{${component}} 2`,
    ]) {
      // A whole line, the first one included.
      expect(`\n${scrape.text}`).toContain(`\n${line}\n`);
    }
    // The @Timed buckets are the ones logBuckets() from the core entry made.
    const buckets = scrape.text
      .split('\n')
      .filter((line) => line.startsWith('dynamo_component_price_seconds_bucket'))
      .map((line) => /le="([^"]+)"/.exec(line)![1]);
    expect(buckets).toEqual(['0', '0.01', '0.1', '1', '10', '+Inf']);
  });

  it('resolves the runtime by the class of the core entry: one copy of the package', async () => {
    await request(app.getHttpServer()).post('/orders').send({ items: 1 }).expect(201);
    const runtime = app.get(DistributedRuntime);
    expect(runtime).toBeInstanceOf(DistributedRuntime);
    expect(runtime.workerId).toMatch(/^[0-9a-f]{16}$/);
    expect(runtime.workerId).toBe(defaultWorkerId());
    const scrape = await request(app.getHttpServer()).get('/metrics').expect(200);
    expect(await runtime.prometheusExpfmt()).toBe(scrape.text);
  });
});
