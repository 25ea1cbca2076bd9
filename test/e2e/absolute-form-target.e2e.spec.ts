import { scrapeAppModule, scrapePorts } from '../fixtures/nest/scrape-app.module';
import { ADAPTERS, startApp, type RunningApp } from '../utils/nest-app';
import { rawRequest, type RawResponse } from '../utils/raw-http';

/** `<method> <target> HTTP/1.1` on a raw socket, as a client talking to a proxy sends it. */
const send = (port: number, target: string, method = 'GET') =>
  rawRequest(port, [`${method} ${target} HTTP/1.1`, `Host: 127.0.0.1:${port}`]);

/** What a route answered: status, content type, and the body where it does not change. */
function answer(response: RawResponse) {
  const type = response.headers['content-type'];
  const body = type.startsWith('application/json')
    ? `status ${JSON.parse(response.body).status}`
    : response.body.includes('dynamo_component_requests_total')
      ? 'metrics'
      : response.body;
  return { status: response.status, type, body, allow: response.headers.allow };
}

const METRICS = {
  status: 200,
  type: 'text/plain; version=0.0.4; charset=utf-8',
  body: 'metrics',
  allow: undefined,
};
const NOT_FOUND = {
  status: 404,
  type: 'text/plain; charset=utf-8',
  body: 'Route not found',
  allow: undefined,
};

describe('absolute-form request targets (RFC 9112 §3.2.2: a server must accept them)', () => {
  let app: RunningApp;
  let system: number;
  let origin: string;
  beforeAll(async () => {
    app = await startApp(
      scrapeAppModule({
        system: {
          port: 0,
          host: '127.0.0.1',
          shutdownScrapeWindowMs: 0,
          startingHealthStatus: 'ready',
          healthPath: '/healthz',
        },
      }),
      'express',
    );
    system = scrapePorts(app)[1];
    origin = `http://127.0.0.1:${system}`;
  });
  afterAll(() => app.close());

  it('are answered by the system status server as their origin form: /metrics, health, live, 404', async () => {
    for (const path of ['/metrics', '/metrics?name[]=x', '/healthz', '/live', '/nope', '/']) {
      const expected = answer(await send(system, path));
      expect(answer(await send(system, origin + path))).toEqual(expected);
    }
    expect(answer(await send(system, `${origin}/metrics`))).toEqual(METRICS);
    expect(answer(await send(system, `${origin}/healthz`))).toEqual({
      status: 200,
      type: 'application/json',
      body: 'status ready',
      allow: undefined,
    });
    expect(answer(await send(system, `${origin}/live`))).toMatchObject({ status: 200 });
    expect(answer(await send(system, `${origin}/nope`))).toEqual(NOT_FOUND);
  });

  it('take any case of the scheme, any authority, and an empty path as /', async () => {
    expect(answer(await send(system, `HTTP://127.0.0.1:${system}/metrics`))).toEqual(METRICS);
    expect(answer(await send(system, 'http://metrics.example:9090/metrics'))).toEqual(METRICS);
    expect(answer(await send(system, `https://[::1]:${system}/metrics?x=1`))).toEqual(METRICS);
    expect(answer(await send(system, origin))).toEqual(NOT_FOUND);
    expect(answer(await send(system, `${origin}?/metrics`))).toEqual(NOT_FOUND);
    expect(answer(await send(system, `${origin}//metrics`))).toEqual(NOT_FOUND);
  });

  it('get 405 with Allow for another method on a known path, as in origin form', async () => {
    expect(answer(await send(system, `${origin}/metrics`, 'POST'))).toEqual({
      status: 405,
      type: 'text/plain; charset=utf-8',
      body: 'Method Not Allowed',
      allow: 'GET, HEAD',
    });
  });
});

describe.each(ADAPTERS)("the app's port on %s", (adapter) => {
  it('serves /metrics to an absolute-form request too', async () => {
    const app = await startApp(scrapeAppModule(), adapter);
    try {
      const port = scrapePorts(app)[0];
      const response = await send(port, `http://127.0.0.1:${port}/metrics`);
      expect(response.status).toBe(200);
      expect(response.body).toContain('dynamo_component_requests_total');
    } finally {
      await app.close();
    }
  });
});
