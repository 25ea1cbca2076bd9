import type { DynamicModule, INestApplication, Type } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { DYNAMO_METRICS_OPTIONS, type DynamoMetricsModuleOptions } from '../../lib';
import type { AdapterKind } from './nest-app';

/** The options a root module passes to `DynamoMetricsModule.forRoot()`. */
export function forRootOptions(module: Type<unknown>): DynamoMetricsModuleOptions {
  const imports = (Reflect.getMetadata('imports', module) ?? []) as DynamicModule[];
  for (const imported of imports)
    for (const provider of imported.providers ?? [])
      if (
        typeof provider === 'object' &&
        'provide' in provider &&
        provider.provide === DYNAMO_METRICS_OPTIONS &&
        'useValue' in provider
      )
        return provider.useValue as DynamoMetricsModuleOptions;
  throw new Error(`${module.name} does not import DynamoMetricsModule.forRoot()`);
}

/**
 * Starts `module` (an app's root module, unchanged) with `extra` merged into its
 * DynamoMetricsModule options, on a free loopback port.
 */
export async function startWithOptions(
  module: Type<unknown>,
  adapter: AdapterKind,
  extra: DynamoMetricsModuleOptions,
  configure: (app: INestApplication) => void = () => {},
): Promise<{ app: INestApplication; url: string; close(): Promise<void> }> {
  const testing = await Test.createTestingModule({ imports: [module] })
    .overrideProvider(DYNAMO_METRICS_OPTIONS)
    .useValue({ ...forRootOptions(module), ...extra })
    .compile();
  const app =
    adapter === 'fastify'
      ? testing.createNestApplication(new FastifyAdapter(), { logger: false })
      : testing.createNestApplication(new ExpressAdapter(), { logger: false });
  configure(app);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${port}`, close: () => app.close() };
}
