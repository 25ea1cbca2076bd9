import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { loadDashboards, queryPanels, variableQuery } from '../utils/grafana-dashboards';

// The shape of the shipped Grafana dashboards and of deploy/compose.yaml. What the queries return
// is proven against a real Prometheus in test/e2e/dashboards.e2e.spec.ts.

const deploy = join(__dirname, '..', '..', 'deploy');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Yaml = any;
const yaml = (path: string): Yaml => load(readFileSync(join(deploy, path), 'utf8'));
const dashboards = loadDashboards();
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

describe('deploy/grafana/dashboards', () => {
  it('ships the Dynamo NestJS and the DCGM dashboards, with distinct uids', () => {
    expect([...dashboards].map(([file, d]) => [file, d.uid, d.title])).toEqual([
      ['dynamo-dcgm.json', 'dynamo-dcgm', 'Dynamo DCGM GPUs'],
      ['dynamo-nestjs.json', 'dynamo-nestjs', 'Dynamo NestJS'],
    ]);
  });

  it.each([...dashboards])('%s: every panel and query uses ${datasource}', (_file, dashboard) => {
    const [first, ...variables] = dashboard.templating.list;
    expect(first).toMatchObject({ name: 'datasource', type: 'datasource', query: 'prometheus' });
    for (const variable of variables)
      expect([variable.name, variable.type, variable.includeAll, variable.allValue]).toEqual([
        variable.name,
        'query',
        true,
        '.*',
      ]);
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const panel of queryPanels(dashboard)) {
      expect([panel.title, panel.datasource]).toEqual([panel.title, DATASOURCE]);
      expect(panel.targets!.length).toBeGreaterThan(0);
      for (const target of panel.targets!)
        expect([panel.title, target.datasource, typeof target.expr]).toEqual([
          panel.title,
          DATASOURCE,
          'string',
        ]);
      const { x, w } = panel.gridPos;
      expect(x + w).toBeLessThanOrEqual(24);
    }
  });

  it('Dynamo NestJS: the ${namespace}, ${component}, ${endpoint} and ${model} variables', () => {
    const dashboard = dashboards.get('dynamo-nestjs.json')!;
    expect(
      dashboard.templating.list.map((v) => [v.name, v.type === 'query' && variableQuery(v)]),
    ).toEqual([
      ['datasource', false],
      ['namespace', 'label_values(dynamo_component_requests_total, dynamo_namespace)'],
      [
        'component',
        'label_values(dynamo_component_requests_total{dynamo_namespace=~"${namespace}"}, dynamo_component)',
      ],
      [
        'endpoint',
        'label_values(dynamo_component_requests_total{dynamo_namespace=~"${namespace}",dynamo_component=~"${component}"}, dynamo_endpoint)',
      ],
      ['model', 'label_values(dynamo_frontend_requests_total, model)'],
    ]);
  });

  it("Dynamo NestJS: every panel of Dynamo's dashboard (spec 10) and the additions, by what they query", () => {
    const exprs = new Map(
      queryPanels(dashboards.get('dynamo-nestjs.json')!).map((panel) => [
        panel.title,
        panel.targets!.map((t) => t.expr).join('\n'),
      ]),
    );
    const expectations: [string, RegExp][] = [
      ['Frontend requests/s', /rate\(dynamo_frontend_requests_total\{/],
      ['Avg time to first token', /1000 \* .*time_to_first_token_seconds_sum.*_count/],
      ['Avg inter-token latency', /1000 \* .*inter_token_latency_seconds_sum.*_count/],
      ['Avg request duration', /1000 \* .*dynamo_frontend_request_duration_seconds_sum.*_count/],
      ['Avg input sequence length', /input_sequence_tokens_sum.*input_sequence_tokens_count/],
      ['Avg output sequence length', /output_sequence_tokens_sum.*output_sequence_tokens_count/],
      ['GPU utilization', /^DCGM_FI_DEV_GPU_UTIL$/],
      ['GPU power usage', /^DCGM_FI_DEV_POWER_USAGE$/],
      ['Component request / response bytes/s', /request_bytes_total[\s\S]*response_bytes_total/],
      ['Component requests/s', /rate\(dynamo_component_requests_total\{/],
      ['Component avg request duration', /request_duration_seconds_sum.*_count/],
      [
        'Component errors/s by error_type',
        /by \([^)]*error_type\) \(rate\(dynamo_component_errors_total/,
      ],
      [
        'Component request duration p50 / p95 / p99',
        /histogram_quantile\(0\.5, [^\n]*_bucket[\s\S]*histogram_quantile\(0\.95,[\s\S]*histogram_quantile\(0\.99,/,
      ],
      ['Component inflight requests', /dynamo_component_inflight_requests\{/],
      ['Component error ratio', /errors_total.*\/.*requests_total/],
      ['Uptime', /dynamo_component_uptime_seconds/],
      ['Frontend inflight and queued requests', /inflight_requests[\s\S]*queued_requests/],
      ['Output tokens/s', /rate\(dynamo_frontend_output_tokens_total/],
    ];
    expect([...exprs.keys()].sort()).toEqual(expectations.map(([title]) => title).sort());
    for (const [title, pattern] of expectations)
      expect([title, exprs.get(title)]).toEqual([title, expect.stringMatching(pattern)]);
    // Every selector (its braces, `${var}` inside them included) follows the variables.
    const unfiltered: string[] = [];
    for (const [title, expr] of exprs) {
      if (title === 'Uptime') continue;
      for (const [selector] of expr.matchAll(/dynamo_component_\w+(\{(?:\$\{[^}]*\}|[^{}])*\})?/g))
        if (
          !selector.includes(
            '{dynamo_namespace=~"${namespace}",dynamo_component=~"${component}",dynamo_endpoint=~"${endpoint}"',
          )
        )
          unfiltered.push(`${title}: ${selector}`);
      for (const [selector] of expr.matchAll(/dynamo_frontend_\w+(\{(?:\$\{[^}]*\}|[^{}])*\})?/g))
        if (!selector.includes('model=~"${model}"')) unfiltered.push(`${title}: ${selector}`);
    }
    expect(unfiltered).toEqual([]);
  });
});

describe('deploy/compose.yaml', () => {
  const compose = yaml('compose.yaml');

  it('starts the sample, Prometheus and Grafana on the host network', () => {
    expect(Object.keys(compose.services)).toEqual(['sample', 'prometheus', 'grafana']);
    for (const service of Object.values(compose.services) as Yaml[])
      expect(service.network_mode).toBe('host');
  });

  it('mounts the shipped files, where the provisioning expects them', () => {
    const mounts = (service: string) =>
      Object.fromEntries(
        (compose.services[service].volumes as string[])
          .filter((volume) => volume.startsWith('.'))
          .map((volume) => {
            const [source, target] = volume.split(':');
            expect(existsSync(join(deploy, source))).toBe(true);
            return [target, source];
          }),
      );
    // The rules beside the config, where its `rule_files: [rules/*.yml]` looks.
    expect(mounts('prometheus')).toEqual({
      '/etc/prometheus/prometheus.yml': './prometheus/prometheus.yml',
      '/etc/prometheus/rules': './prometheus/rules',
    });
    expect(yaml('prometheus/prometheus.yml').rule_files).toEqual(['rules/*.yml']);
    expect(compose.services.prometheus.command).toContain(
      '--config.file=/etc/prometheus/prometheus.yml',
    );
    // scrape_timeout_seconds, which DynamoScrapeTimingOut reads.
    expect(compose.services.prometheus.command).toContain('--enable-feature=extra-scrape-metrics');
    expect(compose.services.prometheus.command).toContain('--enable-feature=exemplar-storage');
    const provider = yaml('grafana/provisioning/dashboards/dynamo.yaml').providers[0];
    expect(mounts('grafana')).toEqual({
      '/etc/grafana/provisioning': './grafana/provisioning',
      [provider.options.path]: './grafana/dashboards',
    });
    expect(mounts('sample')).toEqual({ '/app': '..' });
  });

  it("listens where the shipped configs look: the sample's two ports, Prometheus for Grafana", () => {
    const targets = yaml('prometheus/prometheus.yml').scrape_configs.flatMap((job: Yaml) =>
      job.static_configs.flatMap((config: Yaml) => config.targets),
    );
    const { PORT, DYN_SYSTEM_PORT } = compose.services.sample.environment;
    // dcgm-exporter runs where the GPUs are (not in compose): without one its target is down.
    expect(targets).toEqual([
      `localhost:${PORT}`,
      `localhost:${DYN_SYSTEM_PORT}`,
      'localhost:9401',
    ]);
    const [datasource] = yaml('grafana/provisioning/datasources/prometheus.yaml').datasources;
    const listen = compose.services.prometheus.command.find((arg: string) =>
      arg.startsWith('--web.listen-address='),
    );
    expect(new URL(datasource.url).port).toBe(listen.split(':').pop());
    expect(compose.services.grafana.environment.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH).toBe(
      `${provider().options.path}/dynamo-nestjs.json`,
    );
  });
});

const provider = () => yaml('grafana/provisioning/dashboards/dynamo.yaml').providers[0];
