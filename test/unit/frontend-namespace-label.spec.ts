import { DistributedRuntime, FrontendMetrics } from '../../lib/core';

// `namespaceLabel` and `drt.prefixed(prefix, namespace)`: `dynamo_namespace` on every series of a
// prefixed registry, validated with the offending value.

const scrape = (drt: DistributedRuntime) => drt.prometheusExpfmt();

describe('frontend namespaceLabel', () => {
  it('puts dynamo_namespace on every dynamo_frontend_* series, gauges without labels included', async () => {
    const drt = new DistributedRuntime({ uptime: false });
    const frontend = new FrontendMetrics(drt, { models: ['m'], namespaceLabel: 'prod' });
    frontend.start('m', 'chat_completions').finish();
    const series = (await scrape(drt)).split('\n').filter((line) => /^dynamo_frontend_/.test(line));
    expect(series.length).toBeGreaterThanOrEqual(20);
    expect(series.filter((line) => !line.includes('dynamo_namespace="prod"'))).toEqual([]);
    expect(series).toContain('dynamo_frontend_disconnected_clients{dynamo_namespace="prod"} 0');
    expect(series).toContain(
      'dynamo_frontend_requests_total{dynamo_namespace="prod",endpoint="chat_completions",error_type="",model="m",request_type="unary",status="success"} 1',
    );
  });

  it.each([[''], [5], [null], [true], [{}]])('refuses %p, naming it', (value) => {
    const drt = new DistributedRuntime({ uptime: false });
    expect(() => new FrontendMetrics(drt, { namespaceLabel: value as never })).toThrow(
      `Invalid frontend namespaceLabel ${value === '' ? '""' : String(value === null ? 'null' : value)}`,
    );
  });

  it('false is the default: no dynamo_namespace', async () => {
    const drt = new DistributedRuntime({ uptime: false });
    new FrontendMetrics(drt, { models: ['m'], namespaceLabel: false })
      .start('m', 'chat_completions')
      .finish();
    expect(await scrape(drt)).not.toContain('dynamo_namespace');
  });
});

describe('drt.prefixed(prefix, namespace)', () => {
  it('is cached per prefix and namespace, and labels its series', async () => {
    const drt = new DistributedRuntime({ uptime: false });
    const router = drt.prefixed('dynamo_router_', 'ns1');
    expect(drt.prefixed('dynamo_router_', 'ns1')).toBe(router);
    expect(drt.prefixed('dynamo_router_')).not.toBe(router);
    expect(router.namespace).toBe('ns1');
    router.createIntCounter('decisions_total', 'Routing decisions').inc(2);
    expect(await scrape(drt)).toBe(
      '# HELP dynamo_router_decisions_total Routing decisions\n' +
        '# TYPE dynamo_router_decisions_total counter\n' +
        'dynamo_router_decisions_total{dynamo_namespace="ns1"} 2\n',
    );
  });

  it.each([[''], [3]])('refuses the namespace %p', (namespace) => {
    const drt = new DistributedRuntime({ uptime: false });
    expect(() => drt.prefixed('dynamo_router_', namespace as never)).toThrow(
      'Invalid dynamo_namespace value',
    );
  });
});
