import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { MANIFEST_SCHEMAS, validate } from '../utils/manifest-schema';
import { realTool } from '../utils/real-tools';
import {
  kustomizedManifests,
  podMonitorScrapeConfig,
  selects,
} from '../utils/shipped-scrape-configs';

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
    // With the SLO rules (rule_files), each checked too: test/real/slo-rules.spec.ts.
    expect(check.stdout).toContain('SUCCESS: 4 rule files found');
    expect(check.stdout).not.toContain('FAILED');
    expect(check.status).toBe(0);
  });

  (promtool ? it : it.skip)(
    'what Prometheus Operator makes of the PodMonitors passes promtool check config too',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'podmonitor-config-'));
      const file = join(dir, 'prometheus.yml');
      writeFileSync(
        file,
        podMonitorScrapeConfig(kustomizedManifests(), {
          namespace: 'default',
          pod: 'dynamo-sample-0',
          ports: { http: 'localhost:8000', system: 'localhost:9090' },
        }),
      );
      const check = spawnSync(promtool!, ['check', 'config', file], { encoding: 'utf8' });
      rmSync(dir, { recursive: true, force: true });
      expect(check.stdout).toContain('SUCCESS');
      expect(check.status).toBe(0);
    },
  );

  it("scrapes the sample's API port and system port, in jobs named as Dynamo names them", () => {
    const jobs = yaml('prometheus/prometheus.yml').scrape_configs.map((job: Yaml) => ({
      name: job.job_name,
      interval: job.scrape_interval,
      path: job.metrics_path,
      honor: job.honor_labels,
      targets: job.static_configs.map((config: Yaml) => [config.targets, config.labels]),
    }));
    const job = (name: string, interval: string, target: string, more: Yaml = {}) => ({
      name,
      interval,
      path: '/metrics',
      honor: undefined,
      targets: [[[target], undefined]],
      ...more,
    });
    expect(jobs).toEqual([
      // dynamo_namespace as Dynamo's PodMonitor adds it: its planner keeps only its own.
      job('dynamo-frontend', '10s', 'localhost:8000', {
        honor: true,
        targets: [[['localhost:8000'], { dynamo_namespace: 'dynamo' }]],
      }),
      job('dynamo-backend', '6s', 'localhost:8081'),
      job('dcgm-exporter', '10s', 'localhost:9401', { path: undefined }),
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
    const env = Object.fromEntries(
      container.env.map((v: Yaml) => [v.name, v.value ?? v.valueFrom]),
    );
    // DYN_NAMESPACE from the pod's label, as Dynamo's operator sets both.
    expect(env).toEqual({
      PORT: '8000',
      DYN_SYSTEM_PORT: '9090',
      DYN_NAMESPACE: { fieldRef: { fieldPath: "metadata.labels['nvidia.com/dynamo-namespace']" } },
    });
    expect(pod.metadata.labels).toMatchObject({
      'nvidia.com/dynamo-namespace': 'dynamo',
      'nvidia.com/dynamo-component-type': 'frontend',
      'nvidia.com/metrics-enabled': 'true',
    });
    expect(container.livenessProbe.httpGet).toEqual({ path: '/live', port: 'system' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health', port: 'system' });
  });

  it('the Service and the monitors select the pods and their "http" and "system" ports', () => {
    const podLabels = byKind('Deployment').spec.template.metadata.labels;
    const service = byKind('Service');
    expect(podLabels).toMatchObject(service.spec.selector);
    expect(service.spec.ports.map((p: Yaml) => [p.name, p.targetPort])).toEqual([
      ['http', 'http'],
      ['system', 'system'],
    ]);
    const split = (action: string) => [
      { sourceLabels: ['__name__'], regex: 'dynamo_frontend_.*', action },
    ];
    const fromPodLabel = (label: string, targetLabel: string) => ({
      action: 'replace',
      sourceLabels: [`__meta_kubernetes_pod_label_${label}`],
      targetLabel,
    });
    // Dynamo's dynamo-frontend and dynamo-worker PodMonitors, with the split of one scrape.
    const frontend = {
      port: 'http',
      path: '/metrics',
      interval: '10s',
      honorLabels: true,
      relabelings: [
        { targetLabel: 'job', replacement: 'dynamo-frontend' },
        fromPodLabel('nvidia_com_dynamo_namespace', 'dynamo_namespace'),
      ],
      metricRelabelings: split('keep'),
    };
    const worker = {
      port: 'system',
      path: '/metrics',
      interval: '6s',
      relabelings: [
        { targetLabel: 'job', replacement: 'dynamo-backend' },
        fromPodLabel('nvidia_com_dynamo_component_type', 'dynamo_component_type'),
      ],
      metricRelabelings: split('drop'),
    };
    const podMonitors = [...manifests.values()].filter((m) => m.kind === 'PodMonitor');
    expect(podMonitors.map((m) => m.spec.podMetricsEndpoints)).toEqual([[frontend], [worker]]);
    for (const monitor of podMonitors) {
      expect(monitor.spec.selector.matchLabels).toEqual({
        'app.kubernetes.io/name': 'dynamo-sample',
        'nvidia.com/dynamo-component-type': 'frontend',
        'nvidia.com/metrics-enabled': 'true',
      });
      expect(selects(monitor.spec.selector, podLabels)).toBe(true);
    }
    const serviceMonitor = byKind('ServiceMonitor');
    expect(service.metadata.labels).toMatchObject(serviceMonitor.spec.selector.matchLabels);
    expect(serviceMonitor.spec.endpoints).toEqual([frontend, worker]);
  });

  it("Dynamo's own PodMonitors would pick the pod as a frontend only: one scrape of its http port", () => {
    const podLabels = byKind('Deployment').spec.template.metadata.labels;
    // The selectors of Dynamo's operator (deploy/helm/.../operator/templates/prometheus.yaml).
    const dynamoFrontend = {
      matchLabels: {
        'nvidia.com/dynamo-component-type': 'frontend',
        'nvidia.com/metrics-enabled': 'true',
      },
    };
    const dynamoWorker = {
      matchExpressions: [
        {
          key: 'nvidia.com/dynamo-component-type',
          operator: 'In',
          values: ['worker', 'decode', 'prefill'],
        },
        { key: 'nvidia.com/metrics-enabled', operator: 'In', values: ['true'] },
      ],
    };
    expect(selects(dynamoFrontend, podLabels)).toBe(true);
    expect(selects(dynamoWorker, podLabels)).toBe(false);
  });

  it('the kustomization lists files that exist: the app, its monitors and the SLO rules', () => {
    const { resources } = byKind('Kustomization');
    expect(resources).toEqual([
      'deployment.yaml',
      'service.yaml',
      'frontend-podmonitor.yaml',
      'worker-podmonitor.yaml',
      'prometheus-rule.yaml',
    ]);
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
