import {
  ForbiddenException,
  Inject,
  Injectable,
  Module,
  type CanActivate,
  type ExecutionContext,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { of } from 'rxjs';
import {
  DynamoMetricsModule,
  SystemStatusServer,
  type DynamoMetricsModuleOptions,
} from '../../lib';
import { ApiController, scrapeAppModule, scrapePorts } from '../fixtures/nest/scrape-app.module';
import { useEnv } from '../utils/env';
import { ADAPTERS, startApp, type RunningApp } from '../utils/nest-app';
import { oneShot } from '../utils/one-shot';

const SCRAPE_KEY = 'SCRAPE_KEY';

/** Lets through scrapes that carry the key a provider holds; `forbid` answers 403 itself. */
@Injectable()
class ScrapeKeyGuard implements CanActivate {
  constructor(@Inject(SCRAPE_KEY) private readonly key: string) {}
  canActivate(context: ExecutionContext): boolean {
    const headers = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, string> }>().headers;
    if (headers['x-scrape-key'] === 'forbid') throw new ForbiddenException('no scraping from here');
    if (headers['x-scrape-key'] === 'crash') throw new Error('the guard broke');
    return headers['x-scrape-key'] === this.key;
  }
}

@Module({ providers: [{ provide: SCRAPE_KEY, useValue: 'k-123' }], exports: [SCRAPE_KEY] })
class KeyModule {}

const appModule = (options: DynamoMetricsModuleOptions) => scrapeAppModule(options, [KeyModule]);

const basic = (user: string, password: string) =>
  'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

/** GET on a port: status, `www-authenticate` and body. */
async function get(port: number, path: string, headers: Record<string, string> = {}) {
  const { status, headers: received, body } = await oneShot(port, path, { headers });
  return { status, challenge: received['www-authenticate'], body };
}

const ports = scrapePorts;

const isMetricText = (body: string) => body.includes('dynamo_component_');

describe.each(ADAPTERS)('protected scrapes on %s', (adapter) => {
  let app: RunningApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('asks for the bearer token on both ports and leaves the rest open', async () => {
    app = await startApp(appModule({ auth: { bearerToken: 's3cret-token' } }), adapter);
    for (const port of ports(app)) {
      for (const headers of [
        {} as Record<string, string>,
        { authorization: 'Bearer wrong' },
        { authorization: 'Bearer s3cret-token-and-more' },
        { authorization: 'Bearer' },
        { authorization: 'Token s3cret-token' },
        { authorization: basic('user', 's3cret-token') },
      ]) {
        const refused = await get(port, '/metrics', headers);
        expect(refused).toEqual({
          status: 401,
          challenge: 'Bearer realm="metrics"',
          body: 'Unauthorized',
        });
      }
      for (const authorization of ['Bearer s3cret-token', 'bearer  s3cret-token ']) {
        const ok = await get(port, '/metrics', { authorization });
        expect(ok.status).toBe(200);
        expect(isMetricText(ok.body)).toBe(true);
      }
    }
    expect((await app.get('/api/hello')).text).toBe('hello');
    expect((await get(ports(app)[1], '/health')).status).toBe(200);
  });

  describe('with basic auth from the environment', () => {
    useEnv({ DYNAMO_METRICS_USERNAME: 'prometheus', DYNAMO_METRICS_PASSWORD: 'pä55:word' });

    it('accepts exactly those credentials', async () => {
      app = await startApp(appModule({}), adapter);
      for (const port of ports(app)) {
        for (const authorization of [
          basic('prometheus', 'pä55:wor'),
          basic('prometheu', 'pä55:word'),
          basic('prometheus', ''),
          'Basic !!!',
        ]) {
          expect(await get(port, '/metrics', { authorization })).toEqual({
            status: 401,
            challenge: 'Basic realm="metrics", charset="UTF-8"',
            body: 'Unauthorized',
          });
        }
        const ok = await get(port, '/metrics', { authorization: basic('prometheus', 'pä55:word') });
        expect(ok.status).toBe(200);
        expect(isMetricText(ok.body)).toBe(true);
      }
    });

    it('takes either kind when a bearer token is set too', async () => {
      app = await startApp(appModule({ auth: { bearerToken: 't' } }), adapter);
      const [port] = ports(app);
      const refused = await get(port, '/metrics');
      expect(refused.challenge).toBe(
        'Bearer realm="metrics", Basic realm="metrics", charset="UTF-8"',
      );
      expect((await get(port, '/metrics', { authorization: 'Bearer t' })).status).toBe(200);
      expect(
        (await get(port, '/metrics', { authorization: basic('prometheus', 'pä55:word') })).status,
      ).toBe(200);
    });
  });

  it("runs the user's guard, with its dependencies, after the credentials", async () => {
    // The guard's dependency comes through forRootAsync's imports.
    @Module({
      imports: [
        DynamoMetricsModule.forRootAsync({
          imports: [KeyModule],
          useFactory: () => ({
            includeRegistries: [],
            system: { port: 0, host: '127.0.0.1', shutdownScrapeWindowMs: 0 },
            auth: { bearerToken: 'tok', guard: ScrapeKeyGuard },
          }),
        }),
      ],
      controllers: [ApiController],
    })
    class AsyncModule {}
    app = await startApp(AsyncModule, adapter);
    for (const port of ports(app)) {
      const auth = { authorization: 'Bearer tok' };
      expect(await get(port, '/metrics', { 'x-scrape-key': 'k-123' })).toMatchObject({
        status: 401,
        body: 'Unauthorized',
      });
      // The credentials were right: the guard's refusal is 403, with no challenge.
      expect(await get(port, '/metrics', { ...auth, 'x-scrape-key': 'nope' })).toEqual({
        status: 403,
        challenge: undefined,
        body: 'Forbidden',
      });
      expect(await get(port, '/metrics', { ...auth, 'x-scrape-key': 'forbid' })).toEqual({
        status: 403,
        challenge: undefined,
        body: 'no scraping from here',
      });
      expect(await get(port, '/metrics', { ...auth, 'x-scrape-key': 'crash' })).toMatchObject({
        status: 500,
        body: 'Failed to authorize',
      });
      const ok = await get(port, '/metrics', { ...auth, 'x-scrape-key': 'k-123' });
      expect(ok.status).toBe(200);
      expect(isMetricText(ok.body)).toBe(true);
    }
  });

  it('takes a guard instance alone', async () => {
    const seen: string[] = [];
    app = await startApp(
      appModule({
        auth: {
          guard: {
            canActivate: (context: ExecutionContext) => {
              seen.push(context.getType());
              return (
                context.switchToHttp().getRequest<{ headers: { host?: string } }>().headers.host !==
                undefined
              );
            },
          },
        },
      }),
      adapter,
    );
    for (const port of ports(app)) expect((await get(port, '/metrics')).status).toBe(200);
    expect(seen).toEqual(['http', 'http']);
  });
  it('calls the lifecycle hooks of a guard class it made, and gates every path variant and HEAD', async () => {
    const calls: string[] = [];
    @Injectable()
    class LoadingGuard implements CanActivate, OnModuleInit, OnModuleDestroy {
      private keys = new Set<string>();
      constructor(@Inject(SCRAPE_KEY) private readonly key: string) {}
      onModuleInit() {
        calls.push('init');
        this.keys.add(this.key); // e.g. loading the allowed keys
      }
      onModuleDestroy() {
        calls.push('destroy');
      }
      canActivate(context: ExecutionContext) {
        const headers = context
          .switchToHttp()
          .getRequest<{ headers: Record<string, string> }>().headers;
        return of(this.keys.has(headers['x-scrape-key']));
      }
    }
    @Module({
      imports: [
        DynamoMetricsModule.forRootAsync({
          imports: [KeyModule],
          useFactory: () => ({
            includeRegistries: [],
            system: { port: 0, host: '127.0.0.1', shutdownScrapeWindowMs: 0 },
            auth: { guard: LoadingGuard },
          }),
        }),
      ],
      controllers: [ApiController],
    })
    class AsyncModule {}
    app = await startApp(AsyncModule, adapter);
    expect(calls).toEqual(['init']);
    for (const port of ports(app)) {
      const served: string[] = [];
      for (const path of [
        '/metrics',
        '/metrics?x',
        '/METRICS',
        '//metrics',
        '/metrics/',
        '/metrics/../metrics',
        '/%6detrics',
        '/metrics%2F',
        '/metrics;x',
      ])
        for (const method of ['GET', 'HEAD']) {
          const reply = await oneShot(port, path, { method });
          if (reply.status === 200 || isMetricText(reply.body)) served.push(`${method} ${path}`);
        }
      expect(served).toEqual([]);
      const ok = await get(port, '/metrics', { 'x-scrape-key': 'k-123' });
      expect(ok.status).toBe(200);
      expect(isMetricText(ok.body)).toBe(true);
    }
    await app.close();
    app = undefined;
    expect(calls).toEqual(['init', 'destroy']);
  });

  it('refuses a scrape whose guard does not answer within collectTimeoutMs', async () => {
    app = await startApp(
      appModule({
        collectTimeoutMs: 100,
        auth: { guard: { canActivate: () => new Promise<boolean>(() => {}) } },
      }),
      adapter,
    );
    for (const port of ports(app))
      expect(await get(port, '/metrics')).toMatchObject({
        status: 500,
        body: 'Failed to authorize',
      });
  });
  it('answers 503 to a guarded scrape of the system port while the app is still starting', async () => {
    const seen: number[] = [];
    @Injectable()
    class EarlyScraper implements OnModuleInit {
      constructor(private readonly server: SystemStatusServer) {}
      // Runs after the metrics module (global) has started the system status server.
      async onModuleInit() {
        const reply = await oneShot(this.server.port!, '/metrics');
        seen.push(reply.status);
        expect(reply.body).toBe('Metrics are served once the app has started');
      }
    }
    @Module({
      imports: [
        DynamoMetricsModule.forRoot({
          includeRegistries: [],
          system: { port: 0, host: '127.0.0.1', shutdownScrapeWindowMs: 0 },
          auth: { guard: { canActivate: () => true } },
        }),
      ],
      controllers: [ApiController],
      providers: [EarlyScraper],
    })
    class EarlyModule {}
    app = await startApp(EarlyModule, adapter);
    expect(seen).toEqual([503]);
    expect((await get(ports(app)[1], '/metrics')).status).toBe(200);
  });
});
