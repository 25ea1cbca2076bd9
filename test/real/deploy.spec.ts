import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { MANIFEST_SCHEMAS, validate } from '../utils/manifest-schema';
import { realTool } from '../utils/real-tools';

const deploy = join(__dirname, '..', '..', 'deploy');
const promtool = realTool('promtool', 'apt-get install prometheus');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Yaml = any;
const yaml = (path: string): Yaml => load(readFileSync(join(deploy, path), 'utf8'));

describe('deploy/prometheus', () => {
  (promtool ? it : it.skip)('passes promtool check config', () => {
    const check = spawnSync(
      promtool!,
      ['check', 'config', join(deploy, 'prometheus/prometheus.yml')],
      {
        encoding: 'utf8',
      },
    );
    expect(check.stderr).toBe('');
    expect(check.stdout).toContain('SUCCESS');
    expect(check.status).toBe(0);
  });

  it("scrapes the sample's API port and system port, in jobs named as Dynamo names them", () => {
    const jobs = yaml('prometheus/prometheus.yml').scrape_configs.map((job: Yaml) => ({
      name: job.job_name,
      interval: job.scrape_interval,
      path: job.metrics_path,
      targets: job.static_configs.flatMap((config: Yaml) => config.targets),
    }));
    expect(jobs).toEqual([
      { name: 'dynamo-frontend', interval: '10s', path: '/metrics', targets: ['localhost:8000'] },
      { name: 'dynamo-backend', interval: '6s', path: '/metrics', targets: ['localhost:8081'] },
      { name: 'dcgm-exporter', interval: '10s', path: undefined, targets: ['localhost:9401'] },
    ]);
  });

  it('splits the one scrape both ports serve between the jobs, so no series is stored twice', () => {
    const rules = yaml('prometheus/prometheus.yml').scrape_configs.map(
      (job: Yaml) => job.metric_relabel_configs,
    );
    expect(rules).toEqual([
      [{ source_labels: ['__name__'], regex: 'dynamo_frontend_.*', action: 'keep' }],
      [{ source_labels: ['__name__'], regex: 'dynamo_frontend_.*', action: 'drop' }],
      undefined,
    ]);
  });
});

describe('deploy/kubernetes', () => {
  const files = readdirSync(join(deploy, 'kubernetes')).filter((file) => file.endsWith('.yaml'));
  const manifests = new Map<string, Yaml>(files.map((file) => [file, yaml(`kubernetes/${file}`)]));
  const byKind = (kind: string): Yaml =>
    [...manifests.values()].find((manifest) => manifest.kind === kind);

  it.each(files)('%s is a known kind and matches its schema', (file) => {
    const manifest = manifests.get(file);
    const schema = MANIFEST_SCHEMAS[`${manifest.apiVersion}/${manifest.kind}`];
    expect(schema).toBeDefined();
    expect(validate(manifest, schema)).toEqual([]);
  });

  it('the schema check finds typos, missing fields and bad values', () => {
    const deployment = structuredClone(byKind('Deployment'));
    const pod = deployment.spec.template.spec;
    pod.contianers = pod.containers;
    pod.containers[0].ports[1].name = 'System_Port';
    delete pod.containers[0].image;
    expect(validate(deployment, MANIFEST_SCHEMAS['apps/v1/Deployment'])).toEqual([
      '$.spec.template.spec.containers[0].image: required',
      '$.spec.template.spec.containers[0].ports[1].name: "System_Port" does not match /^(?=.{1,15}$)(?=.*[a-z])[a-z0-9]([-a-z0-9]*[a-z0-9])?$/',
      '$.spec.template.spec.contianers: unknown field',
    ]);
  });

  it('the Deployment serves the API on port "http" and the system status server on "system", probed there', () => {
    const deployment = byKind('Deployment');
    const pod = deployment.spec.template;
    expect(pod.metadata.labels).toMatchObject(deployment.spec.selector.matchLabels);
    const [container] = pod.spec.containers;
    const ports = Object.fromEntries(
      container.ports.map((port: Yaml) => [port.name, port.containerPort]),
    );
    expect(ports).toEqual({ http: 8000, system: 9090 });
    const env = Object.fromEntries(container.env.map((v: Yaml) => [v.name, v.value]));
    expect(env).toEqual({ PORT: '8000', DYN_SYSTEM_PORT: '9090' });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/live', port: 'system' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health', port: 'system' });
  });

  it('the Service and both monitors select the pods and their "http" and "system" ports', () => {
    const podLabels = byKind('Deployment').spec.template.metadata.labels;
    const service = byKind('Service');
    expect(podLabels).toMatchObject(service.spec.selector);
    expect(service.spec.ports.map((p: Yaml) => [p.name, p.targetPort])).toEqual([
      ['http', 'http'],
      ['system', 'system'],
    ]);
    const jobs = (endpoints: Yaml[]) =>
      endpoints.map((e) => [e.port, e.path, e.interval, e.relabelings[0], e.metricRelabelings]);
    const split = (action: string) => [
      { sourceLabels: ['__name__'], regex: 'dynamo_frontend_.*', action },
    ];
    const expected = [
      [
        'http',
        '/metrics',
        '10s',
        { targetLabel: 'job', replacement: 'dynamo-frontend' },
        split('keep'),
      ],
      [
        'system',
        '/metrics',
        '6s',
        { targetLabel: 'job', replacement: 'dynamo-backend' },
        split('drop'),
      ],
    ];
    const podMonitor = byKind('PodMonitor');
    expect(podLabels).toMatchObject(podMonitor.spec.selector.matchLabels);
    expect(jobs(podMonitor.spec.podMetricsEndpoints)).toEqual(expected);
    const serviceMonitor = byKind('ServiceMonitor');
    expect(service.metadata.labels).toMatchObject(serviceMonitor.spec.selector.matchLabels);
    expect(jobs(serviceMonitor.spec.endpoints)).toEqual(expected);
  });

  it('the kustomization lists files that exist: the app and one monitor', () => {
    const { resources } = byKind('Kustomization');
    expect(resources).toEqual(['deployment.yaml', 'service.yaml', 'podmonitor.yaml']);
    for (const resource of resources)
      expect(existsSync(join(deploy, 'kubernetes', resource))).toBe(true);
  });
});

describe('deploy/grafana', () => {
  it('provisions the Prometheus datasource and the dashboards directory', () => {
    expect(yaml('grafana/provisioning/datasources/prometheus.yaml')).toEqual({
      apiVersion: 1,
      datasources: [
        {
          name: 'Prometheus',
          uid: 'prometheus',
          type: 'prometheus',
          access: 'proxy',
          url: 'http://localhost:9090',
          isDefault: true,
          jsonData: { timeInterval: '10s' },
        },
      ],
    });
    const { apiVersion, providers } = yaml('grafana/provisioning/dashboards/dynamo.yaml');
    expect(apiVersion).toBe(1);
    expect(providers).toHaveLength(1);
    expect(providers[0]).toMatchObject({
      type: 'file',
      folder: 'Dynamo',
      options: { path: '/var/lib/grafana/dashboards' },
    });
    expect(existsSync(join(deploy, 'grafana/dashboards'))).toBe(true);
  });
});
