import { ScrapeGate } from '../../lib/system/scrape-gate';
import { resolveCredentials, resolveSystemConfig } from '../../lib/system/system-config';
import { SystemHealth } from '../../lib/system/system-health';

describe('resolveSystemConfig', () => {
  it("has Dynamo's defaults", () => {
    expect(resolveSystemConfig({}, {})).toEqual({
      port: -1,
      host: '0.0.0.0',
      healthPath: '/health',
      livePath: '/live',
      startingHealthStatus: 'notready',
      useEndpointHealthStatus: [],
      shutdownScrapeWindowMs: 10000,
    });
  });

  it("reads Dynamo's environment variables, and options win over them", () => {
    const env = {
      DYN_SYSTEM_PORT: ' 9090 ',
      DYN_SYSTEM_HOST: '127.0.0.1',
      DYN_SYSTEM_HEALTH_PATH: '/custom/health',
      DYN_SYSTEM_LIVE_PATH: '/custom/live',
      DYN_SYSTEM_STARTING_HEALTH_STATUS: 'Ready',
      DYN_SYSTEM_USE_ENDPOINT_HEALTH_STATUS: '["generate"]',
    };
    expect(resolveSystemConfig({}, env)).toEqual({
      port: 9090,
      host: '127.0.0.1',
      healthPath: '/custom/health',
      livePath: '/custom/live',
      startingHealthStatus: 'ready',
      useEndpointHealthStatus: ['generate'],
      shutdownScrapeWindowMs: 10000,
    });
    expect(
      resolveSystemConfig({ port: 0, livePath: '/l', useEndpointHealthStatus: [] }, env),
    ).toMatchObject({
      port: 0,
      livePath: '/l',
      useEndpointHealthStatus: [],
      healthPath: '/custom/health',
    });
    // An empty variable is unset.
    expect(resolveSystemConfig({}, { DYN_SYSTEM_PORT: '' }).port).toBe(-1);
  });

  it('warns that DYN_SYSTEM_ENABLED is deprecated, once per resolution', () => {
    const warnings: string[] = [];
    resolveSystemConfig({}, { DYN_SYSTEM_ENABLED: 'true' }, (message) => warnings.push(message));
    expect(warnings).toEqual([
      'DYN_SYSTEM_ENABLED=true is deprecated and ignored: DYN_SYSTEM_PORT alone decides whether the system status server starts (-1: off)',
    ]);
  });

  it.each([
    [{ DYN_SYSTEM_PORT: 'abc' }, "Invalid DYN_SYSTEM_PORT 'abc': use an integer from -1"],
    [{ DYN_SYSTEM_PORT: '8081.5' }, "Invalid DYN_SYSTEM_PORT '8081.5'"],
    [{ DYN_SYSTEM_PORT: '70000' }, 'Invalid DYN_SYSTEM_PORT 70000'],
    [{ DYN_SYSTEM_PORT: '-2' }, 'Invalid DYN_SYSTEM_PORT -2'],
    [
      { DYN_SYSTEM_STARTING_HEALTH_STATUS: 'healthy' },
      "Invalid DYN_SYSTEM_STARTING_HEALTH_STATUS 'healthy': use 'ready' or 'notready'",
    ],
    [
      { DYN_SYSTEM_USE_ENDPOINT_HEALTH_STATUS: 'generate' },
      "Invalid DYN_SYSTEM_USE_ENDPOINT_HEALTH_STATUS 'generate': use a JSON list of endpoint names",
    ],
    [
      { DYN_SYSTEM_USE_ENDPOINT_HEALTH_STATUS: '[1]' },
      "Invalid DYN_SYSTEM_USE_ENDPOINT_HEALTH_STATUS '[1]'",
    ],
    [
      { DYN_SYSTEM_HEALTH_PATH: 'health' },
      "Invalid DYN_SYSTEM_HEALTH_PATH 'health': use a path starting with '/'",
    ],
    [
      { DYN_SYSTEM_LIVE_PATH: '/metrics' },
      "Invalid DYN_SYSTEM_LIVE_PATH '/metrics': use a path starting with '/', without '?', '#' or spaces, other than '/metrics'",
    ],
    [
      { DYN_SYSTEM_USE_ENDPOINT_HEALTH_STATUS: '[""]' },
      'Invalid DYN_SYSTEM_USE_ENDPOINT_HEALTH_STATUS [""]',
    ],
  ])('rejects %j with the value', (env, message) => {
    expect(() => resolveSystemConfig({}, env)).toThrow(message);
  });

  it('rejects invalid options with the value', () => {
    expect(() => resolveSystemConfig({ port: 1.5 })).toThrow('Invalid system.port 1.5');
    expect(() => resolveSystemConfig({ shutdownScrapeWindowMs: -1 })).toThrow(
      'Invalid system.shutdownScrapeWindowMs -1: use a number of milliseconds from 0 to 2147483647',
    );
    // Beyond that, Node's setTimeout would fire at once (with a warning).
    expect(() => resolveSystemConfig({ shutdownScrapeWindowMs: 2 ** 31 })).toThrow(
      'Invalid system.shutdownScrapeWindowMs 2147483648',
    );
    expect(() => resolveSystemConfig({ healthPath: '/metrics' })).toThrow(
      "Invalid system.healthPath '/metrics'",
    );
    expect(() => resolveSystemConfig({ startingHealthStatus: 'up' as never })).toThrow();
    expect(() => resolveSystemConfig({ useEndpointHealthStatus: [''] })).toThrow(
      'Invalid system.useEndpointHealthStatus [""]',
    );
  });
});

describe('resolveCredentials', () => {
  it('takes options first, then the environment, and none when nothing is set', () => {
    expect(resolveCredentials({}, {})).toBeUndefined();
    expect(resolveCredentials({}, { DYNAMO_METRICS_BEARER_TOKEN: 't' })).toEqual({
      bearerToken: 't',
      username: undefined,
      password: undefined,
    });
    expect(
      resolveCredentials({ bearerToken: 'o' }, { DYNAMO_METRICS_BEARER_TOKEN: 't' })?.bearerToken,
    ).toBe('o');
  });

  it('refuses an empty, whitespace-only or non-string secret in the options (protection would be off), without showing it', () => {
    for (const bearerToken of ['', ' \n'])
      expect(() => resolveCredentials({ bearerToken }, {})).toThrow(
        'Invalid auth.bearerToken: it is empty or only whitespace; use a non-empty string, or leave it unset',
      );
    expect(() => resolveCredentials({ password: 424242 as never, username: 'u' }, {})).toThrow(
      'Invalid auth.password: use a non-empty string, or leave it unset (got a number)',
    );
  });

  it('takes an empty or whitespace-only variable as unset, with a warning', () => {
    const warnings: string[] = [];
    for (const value of ['', '\r\n'])
      expect(
        resolveCredentials({}, { DYNAMO_METRICS_BEARER_TOKEN: value }, (m) => warnings.push(m)),
      ).toBeUndefined();
    expect(warnings).toEqual(
      Array(2).fill(
        'DYNAMO_METRICS_BEARER_TOKEN is set but empty: it is ignored (set a value to protect /metrics, or unset it)',
      ),
    );
  });

  it('removes whitespace around each secret, as around what clients send', () => {
    expect(
      resolveCredentials(
        { bearerToken: '\ttok en\u00a0' },
        { DYNAMO_METRICS_USERNAME: ' prometheus\n', DYNAMO_METRICS_PASSWORD: 'pä55 word\r\n' },
      ),
    ).toEqual({ bearerToken: 'tok en', username: 'prometheus', password: 'pä55 word' });
  });

  it('refuses a secret with a control character or a lone surrogate inside, naming its option or variable only', () => {
    const refusal = (options: object, env: Record<string, string> = {}) => {
      try {
        resolveCredentials(options, env);
      } catch (error) {
        return (error as Error).message;
      }
      return 'accepted';
    };
    const control = (source: string) =>
      `Invalid ${source}: it has a control character (such as a line break or a tab) inside; set it without one (whitespace around it is removed by itself; the value is not shown)`;
    expect(refusal({ bearerToken: 'abc\ndef' })).toBe(control('auth.bearerToken'));
    expect(refusal({}, { DYNAMO_METRICS_BEARER_TOKEN: 'abc\tdef' })).toBe(
      control('DYNAMO_METRICS_BEARER_TOKEN'),
    );
    expect(refusal({ username: 'u', password: 'abc\u007fdef' })).toBe(control('auth.password'));
    expect(refusal({}, { DYNAMO_METRICS_USERNAME: 'a\u0000b', DYNAMO_METRICS_PASSWORD: 'p' })).toBe(
      control('DYNAMO_METRICS_USERNAME'),
    );
    expect(refusal({ bearerToken: 'abc\ud800def' })).toBe(
      'Invalid auth.bearerToken: it is not well-formed Unicode (it has a lone surrogate), so it has no UTF-8 bytes a client could send; fix the string (the value is not shown)',
    );
  });

  it("refuses a user name with ':', naming its option or variable", () => {
    expect(() => resolveCredentials({ username: 'a:b', password: 'c' }, {})).toThrow(
      "Invalid auth.username 'a:b': a basic auth user name cannot contain ':'",
    );
    expect(() =>
      resolveCredentials({}, { DYNAMO_METRICS_USERNAME: 'a:b', DYNAMO_METRICS_PASSWORD: 'c' }),
    ).toThrow("Invalid DYNAMO_METRICS_USERNAME 'a:b': a basic auth user name cannot contain ':'");
  });

  it('needs both halves of basic auth', () => {
    expect(() => resolveCredentials({ username: 'u' }, {})).toThrow(
      'Invalid auth.password: basic auth needs both a username and a password (option auth.password or DYNAMO_METRICS_PASSWORD)',
    );
  });
});

describe('ScrapeGate', () => {
  it('compares the whole secret, whatever its length', async () => {
    const gate = new ScrapeGate({ bearerToken: 'abc' }, false, () => {});
    expect(await gate.check('Bearer abc')).toBeUndefined();
    for (const header of ['Bearer ab', 'Bearer abcd', 'Bearer ', 'abc', undefined, ['Bearer abc']])
      expect((await gate.check(header))?.status).toBe(401);
  });

  it('lets a truthy guard through; false is 403, an HttpException keeps its status, an error is 500', async () => {
    const reports: string[] = [];
    const gate = new ScrapeGate(undefined, true, (message) => reports.push(message));
    expect(
      await gate.check(undefined, async () => ({ user: 'prometheus' }) as never),
    ).toBeUndefined();
    expect(await gate.check(undefined, () => false)).toEqual({
      status: 403,
      body: 'Forbidden',
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
    const teapot = Object.assign(new Error('no scrapes here'), { getStatus: () => 418 });
    expect(
      await gate.check(undefined, () => {
        throw teapot;
      }),
    ).toMatchObject({ status: 418, body: 'no scrapes here' });
    expect(
      await gate.check(undefined, () => Promise.reject(new Error('auth service down'))),
    ).toMatchObject({ status: 500, body: 'Failed to authorize' });
    expect(reports).toEqual([
      "The scrape's guard failed; the scrape was refused: auth service down",
    ]);
  });

  it('compares the UTF-8 bytes a client sent (Node gives header values as latin1 strings)', async () => {
    const gate = new ScrapeGate({ bearerToken: 'clé' }, false, () => {});
    const sent = (bytes: Buffer) => gate.check(`Bearer ${bytes.toString('latin1')}`);
    expect(await sent(Buffer.from('clé', 'utf8'))).toBeUndefined();
    expect((await sent(Buffer.from('clé', 'latin1')))?.status).toBe(401);
    // A value made in JavaScript, beyond latin1, is its own text.
    expect(await new ScrapeGate({ bearerToken: '🔑' }, false, () => {}).check('Bearer 🔑')).toBe(
      undefined,
    );
  });
});

describe('SystemHealth', () => {
  const make = (options: Partial<ConstructorParameters<typeof SystemHealth>[0]> = {}) =>
    new SystemHealth({ uptimeSeconds: () => 12.313803539, ...options });

  it("reports Dynamo's body with sorted keys and uptime in secs and nanos", () => {
    const health = make({ useEndpointHealthStatus: ['generate'] });
    health.setEndpointStatus('load_metrics', 'ready');
    expect(JSON.stringify(health.report())).toBe(
      '{"endpoints":{"generate":"notready","load_metrics":"ready"},"status":"notready","uptime":{"nanos":313803539,"secs":12}}',
    );
    health.setEndpointStatus('generate', 'ready');
    expect(health.isReady()).toBe(true);
  });

  it('decides by its own status without required endpoints, and by them with', () => {
    const own = make({ startingStatus: 'ready' });
    own.setEndpointStatus('generate', 'notready');
    expect(own.isReady()).toBe(true);
    const required = make({ startingStatus: 'ready', useEndpointHealthStatus: ['generate'] });
    expect(required.isReady()).toBe(false);
  });

  it('turns everything notready for good once shutdown begins', () => {
    const health = make();
    health.markStarted(['generate']);
    expect(health.report()).toMatchObject({ endpoints: { generate: 'ready' }, status: 'ready' });
    health.beginShutdown();
    health.setStatus('ready');
    expect(health.report()).toMatchObject({
      endpoints: { generate: 'notready' },
      status: 'notready',
    });
  });

  it('rejects an unknown status with the value', () => {
    expect(() => make().setStatus('up' as never)).toThrow(
      "Invalid health status 'up': use 'ready' or 'notready'",
    );
  });
});
