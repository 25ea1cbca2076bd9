import { request as httpRequest } from 'node:http';
import type { INestApplication, LoggerService, Type } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';

export type AdapterKind = 'express' | 'fastify';

/** Both HTTP adapters: every e2e suite runs on each (`describe.each(ADAPTERS)`). */
export const ADAPTERS: AdapterKind[] = ['express', 'fastify'];

export interface RunningApp {
  app: INestApplication;
  /** `http://127.0.0.1:<port>` */
  url: string;
  get(
    path: string,
    headers?: Record<string, string>,
  ): Promise<{ status: number; type: string; text: string }>;
  close(): Promise<void>;
}

/** Starts `module` on `adapter`, listening on a free loopback port. */
export function startApp(
  module: Type<unknown>,
  adapter: AdapterKind,
  configure: (app: INestApplication) => void = () => {},
): Promise<RunningApp> {
  return startAppWith(module, adapter, { configure });
}

export interface StartOptions {
  /** Called before the app listens. */
  configure?: (app: INestApplication) => void;
  /** The app's logger; default none (`false`). */
  logger?: LoggerService | false;
}

/** {@link startApp} with options: a logger to see what the app logs. */
export async function startAppWith(
  module: Type<unknown>,
  adapter: AdapterKind,
  { configure = () => {}, logger = false }: StartOptions,
): Promise<RunningApp> {
  const testing = await Test.createTestingModule({ imports: [module] }).compile();
  const app =
    adapter === 'fastify'
      ? testing.createNestApplication(new FastifyAdapter(), { logger })
      : testing.createNestApplication(new ExpressAdapter(), { logger });
  configure(app);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  return {
    app,
    url,
    async get(path, headers = {}) {
      const response = await fetch(url + path, { headers });
      return {
        status: response.status,
        type: response.headers.get('content-type') ?? '',
        text: await response.text(),
      };
    },
    close: () => app.close(),
  };
}

/** Sends a GET to `path` and disconnects `afterMs` later, as a client that gave up does. */
export function abortedGet(app: RunningApp, path: string, afterMs: number): Promise<void> {
  const { port } = new URL(app.url);
  return new Promise<void>((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path });
    req.on('error', () => resolve());
    req.end();
    setTimeout(() => {
      req.destroy();
      resolve();
    }, afterMs);
  });
}
