import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { defaultWorkerId, DistributedRuntime } from 'nestjs-dynamo-metrics/core';
import { AppModule } from '../src/app.module.js';

// worker_id: this process's id, the default.
const workerId = `worker_id="${defaultWorkerId()}"`;
const endpoint = `dynamo_component="orders",dynamo_endpoint="place",dynamo_namespace="shop",${workerId}`;
const component = `dynamo_component="orders",dynamo_namespace="shop",${workerId}`;

for (const adapter of ['express', 'fastify']) {
  describe(`a Nest 12 ES module app on ${adapter}`, () => {
    let app: INestApplication;
    let url: string;

    beforeEach(async () => {
      app = await NestFactory.create(
        AppModule,
        adapter === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(),
        { logger: ['error'] },
      );
      await app.listen(0, '127.0.0.1');
      url = await app.getUrl();
    });

    afterEach(() => app.close());

    const placeOrder = async (items: number) => {
      const response = await fetch(`${url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ items }),
      });
      assert.equal(response.status, 201);
      return response.json();
    };

    it('counts requests, the injected counter and the @Timed calls on /metrics', async () => {
      assert.deepEqual(await placeOrder(2), { total: 6 });
      assert.deepEqual(await placeOrder(2), { total: 6 });

      const scrape = await fetch(`${url}/metrics`);
      assert.equal(scrape.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
      const lines = (await scrape.text()).split('\n');
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
        assert.ok(lines.includes(line), `/metrics has no line\n${line}\nin\n${lines.join('\n')}`);
      }
      // The @Timed buckets are the ones logBuckets() from the core entry made.
      const buckets = lines
        .filter((line) => line.startsWith('dynamo_component_price_seconds_bucket'))
        .map((line) => /le="([^"]+)"/.exec(line)![1]);
      assert.deepEqual(buckets, ['0', '0.01', '0.1', '1', '10', '+Inf']);
    });

    it('resolves the runtime by the class of the core entry: one copy of the package', async () => {
      await placeOrder(1);
      const runtime = app.get(DistributedRuntime);
      assert.ok(runtime instanceof DistributedRuntime);
      assert.match(runtime.workerId ?? '', /^[0-9a-f]{16}$/);
      assert.equal(runtime.workerId, defaultWorkerId());
      const scrape = await (await fetch(`${url}/metrics`)).text();
      assert.equal(await runtime.prometheusExpfmt(), scrape);
    });
  });
}
