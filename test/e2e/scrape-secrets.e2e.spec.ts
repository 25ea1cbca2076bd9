import type { DynamoMetricsModuleOptions } from '../../lib';
import { scrapeAppModule, scrapePorts as ports } from '../fixtures/nest/scrape-app.module';
import { useEnv } from '../utils/env';
import { ADAPTERS, startApp, type AdapterKind, type RunningApp } from '../utils/nest-app';
import { rawRequest } from '../utils/raw-http';

const appModule = (options: DynamoMetricsModuleOptions = {}) => scrapeAppModule(options);

/**
 * `GET /metrics` with an `Authorization` header of exactly these bytes after `Authorization: `,
 * as curl and Prometheus send a non-ASCII secret (UTF-8), or as a latin1 client would.
 */
const scrape = (port: number, authorization: Buffer) =>
  rawRequest(port, [
    'GET /metrics HTTP/1.1',
    'Host: 127.0.0.1',
    Buffer.concat([Buffer.from('Authorization: '), authorization]),
  ]);

const bearer = (token: string, encoding: 'utf8' | 'latin1' = 'utf8') =>
  Buffer.concat([Buffer.from('Bearer '), Buffer.from(token, encoding)]);

const basic = (user: string, password: string) =>
  Buffer.from('Basic ' + Buffer.from(`${user}:${password}`, 'utf8').toString('base64'));

/** Status of the scrape, and whether it got the metrics. */
async function outcome(port: number, authorization: Buffer): Promise<[number, boolean]> {
  const response = await scrape(port, authorization);
  return [response.status, response.body.includes('dynamo_component_requests_total')];
}

const SERVED: [number, boolean] = [200, true];
const REFUSED: [number, boolean] = [401, false];

describe.each(ADAPTERS)('scrape secrets compared as clients send them, on %s', (adapter) => {
  let app: RunningApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  describe('with DYNAMO_METRICS_BEARER_TOKEN ending in a newline', () => {
    useEnv({ DYNAMO_METRICS_BEARER_TOKEN: 'tok123\n' });

    it('takes the token without the newline, on both ports', async () => {
      app = await startApp(appModule(), adapter);
      for (const port of ports(app)) {
        expect(await outcome(port, bearer('tok123'))).toEqual(SERVED);
        expect(await outcome(port, bearer('tok12'))).toEqual(REFUSED);
        expect(await outcome(port, bearer('tok1234'))).toEqual(REFUSED);
      }
    });
  });

  it('compares a non-ASCII bearer token as the UTF-8 bytes clients send, on both ports', async () => {
    // Every character is in latin1 too, so a latin1 header could carry it: it must not match.
    // 'à' ends in the byte 0xA0, which a latin1 string shows as a no-break space.
    const token = 'clé-voilà';
    app = await startApp(appModule({ auth: { bearerToken: token } }), adapter);
    for (const port of ports(app)) {
      expect(await outcome(port, bearer(token))).toEqual(SERVED);
      expect(await outcome(port, bearer(token, 'latin1'))).toEqual(REFUSED);
      expect(await outcome(port, bearer('clé-voil'))).toEqual(REFUSED);
      expect(await outcome(port, Buffer.from([...bearer(token), 0xff]))).toEqual(REFUSED);
    }
  });

  it('compares a bearer token beyond latin1 (emoji) as UTF-8, on both ports', async () => {
    const token = 'ключ-🔑-鍵';
    app = await startApp(appModule({ auth: { bearerToken: ` ${token}\t` } }), adapter);
    for (const port of ports(app)) {
      expect(await outcome(port, bearer(token))).toEqual(SERVED);
      expect(await outcome(port, bearer('ключ-🔑'))).toEqual(REFUSED);
    }
  });

  describe('with basic auth from the environment: non-ASCII, whitespace around', () => {
    useEnv({
      DYNAMO_METRICS_USERNAME: ' prométhée ',
      DYNAMO_METRICS_PASSWORD: 'mot:de passe à\r\n',
    });

    it('takes the trimmed user and password, compared as UTF-8, on both ports', async () => {
      app = await startApp(appModule(), adapter);
      for (const port of ports(app)) {
        expect(await outcome(port, basic('prométhée', 'mot:de passe à'))).toEqual(SERVED);
        expect(await outcome(port, basic('prométhée', 'mot:de passe a'))).toEqual(REFUSED);
        expect(await outcome(port, basic('promethee', 'mot:de passe à'))).toEqual(REFUSED);
        const latin1 = Buffer.from('prométhée:mot:de passe à', 'latin1').toString('base64');
        expect(await outcome(port, Buffer.from(`Basic ${latin1}`))).toEqual(REFUSED);
      }
    });
  });
});

/** The message the app's start failed with; an app that started is closed ('started'). */
async function startFailure(module: Parameters<typeof startApp>[0], adapter: AdapterKind) {
  try {
    await (await startApp(module, adapter)).close();
    return 'started';
  } catch (error) {
    return (error as Error).message;
  }
}

const controlCharacter = (source: string) =>
  `Invalid ${source}: it has a control character (such as a line break or a tab) inside; set it without one (whitespace around it is removed by itself; the value is not shown)`;

describe('a secret no client can send is refused at start-up, naming where it came from', () => {
  it('an option with a line break inside', async () => {
    expect(
      await startFailure(appModule({ auth: { bearerToken: 'alpha7\nomega9' } }), 'express'),
    ).toBe(controlCharacter('auth.bearerToken'));
  });

  describe('a variable with a NUL inside', () => {
    useEnv({ DYNAMO_METRICS_USERNAME: 'prometheus', DYNAMO_METRICS_PASSWORD: 'pass\u0000w0rd-zq' });

    it('names the variable', async () => {
      expect(await startFailure(appModule(), 'fastify')).toBe(
        controlCharacter('DYNAMO_METRICS_PASSWORD'),
      );
    });
  });
});
