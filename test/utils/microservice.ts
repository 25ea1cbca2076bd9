import type { INestMicroservice, Type } from '@nestjs/common';
import {
  ClientProxyFactory,
  Transport,
  type ClientProxy,
  type MicroserviceOptions,
} from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import { lastValueFrom, toArray } from 'rxjs';
import { DistributedRuntime } from '../../lib';
import { freePort } from './free-port';

export interface RunningMicroservice {
  app: INestMicroservice;
  client: ClientProxy;
  /** The app's whole scrape (its runtime's text exposition). */
  scrape(): Promise<string>;
  /** Sends a request and collects every reply. */
  request<T = unknown>(pattern: string, data: unknown): Promise<T[]>;
  close(): Promise<void>;
}

/**
 * Starts `module` as a microservice with a connected client: `listen()` alone (Nest registers the
 * handlers before the lifecycle hooks) or, with `initFirst`, `init()` then `listen()` (after).
 */
export async function startMicroservice(
  module: Type<unknown>,
  transport: 'tcp' | 'nats',
  natsUrl?: string,
  initFirst = false,
): Promise<RunningMicroservice> {
  const testing = await Test.createTestingModule({ imports: [module] }).compile();
  let options: MicroserviceOptions;
  if (transport === 'tcp') {
    const port = await freePort();
    options = { transport: Transport.TCP, options: { host: '127.0.0.1', port } };
  } else {
    options = { transport: Transport.NATS, options: { servers: [natsUrl!] } };
  }
  const app = testing.createNestMicroservice<MicroserviceOptions>({ ...options, logger: false });
  if (initFirst) await app.init();
  await app.listen();
  const client = ClientProxyFactory.create(options as never) as unknown as ClientProxy;
  await client.connect();
  return {
    app,
    client,
    scrape: () => app.get(DistributedRuntime).prometheusExpfmt(),
    request: <T>(pattern: string, data: unknown) =>
      lastValueFrom(client.send<T>(pattern, data).pipe(toArray())),
    async close() {
      await client.close();
      await app.close();
    },
  };
}

export { until } from './until';
