import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';

// The shipped scrape configuration as a test's Prometheus runs it: deploy/prometheus/prometheus.yml
// pointed at the test's processes, and what Prometheus Operator makes of deploy/kubernetes.

// The repo root is jest's working directory (`__dirname` is not defined in jest's ESM mode).
const DEPLOY = join(process.cwd(), 'deploy');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Yaml = any;
type Labels = Record<string, string>;

/** Every scrape at this interval: the tests read rates over a few seconds. */
const TEST_INTERVAL = { scrape_interval: '1s', scrape_timeout: '900ms', evaluation_interval: '1s' };

/**
 * deploy/prometheus/prometheus.yml with each target replaced by `addresses[target]` and every
 * interval 1 s; nothing else changes. A target without an address is an error.
 */
export function staticScrapeConfig(addresses: Labels): string {
  const config = load(readFileSync(join(DEPLOY, 'prometheus/prometheus.yml'), 'utf8')) as Yaml;
  config.global = { ...TEST_INTERVAL };
  for (const job of config.scrape_configs) {
    job.scrape_interval = '1s';
    for (const sc of job.static_configs)
      sc.targets = sc.targets.map((target: string) => {
        if (!addresses[target]) throw new Error(`Unexpected target ${target} in prometheus.yml`);
        return addresses[target];
      });
  }
  return JSON.stringify(config, null, 2); // JSON is YAML
}

/** The manifests `kubectl apply -k deploy/kubernetes` applies, in the kustomization's order. */
export function kustomizedManifests(): Yaml[] {
  const dir = join(DEPLOY, 'kubernetes');
  const { resources } = load(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Yaml;
  return resources.map((file: string) => load(readFileSync(join(dir, file), 'utf8')));
}

/** Whether a label selector (`matchLabels`, `matchExpressions`) selects these labels. */
export function selects(selector: Yaml, labels: Labels): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every(
    ({ key, operator, values }: { key: string; operator: string; values?: string[] }) =>
      operator === 'In'
        ? values!.includes(labels[key])
        : operator === 'NotIn'
          ? !(key in labels) || !values!.includes(labels[key])
          : operator === 'Exists'
            ? key in labels
            : !(key in labels),
  );
  return byLabels && byExpressions;
}

/** A Kubernetes label name as Prometheus's Kubernetes discovery spells it in `__meta_*` labels. */
const sanitize = (name: string) => name.replace(/[^a-zA-Z0-9_]/g, '_');

/** A Prometheus Operator relabeling (camelCase) as a Prometheus relabel config. */
function relabelConfig(rule: Yaml): Yaml {
  const names: Record<string, string> = {
    sourceLabels: 'source_labels',
    targetLabel: 'target_label',
    separator: 'separator',
    regex: 'regex',
    replacement: 'replacement',
    modulus: 'modulus',
    action: 'action',
  };
  return Object.fromEntries(
    Object.entries(rule).map(([key, value]) => {
      if (!names[key]) throw new Error(`Unknown relabeling field ${key}`);
      return [names[key], key === 'action' ? String(value).toLowerCase() : value];
    }),
  );
}

/** Where the test runs what the manifests describe. */
export interface PodPlacement {
  /** Each named container port's address in the test (`http` → `127.0.0.1:40123`). */
  ports: Labels;
  /** The Kubernetes namespace the manifests are applied to. */
  namespace: string;
  /** The pod's name. */
  pod: string;
}

/**
 * The scrape config Prometheus Operator generates for the PodMonitors of `manifests` and the pods
 * of their Deployment, with Kubernetes discovery replaced by one static target per selected port
 * carrying the `__meta_kubernetes_*` labels the discovery would set (the pod template's labels,
 * namespace, pod, container and port names). Each podMetricsEndpoint becomes a job, as the
 * operator makes it: honor_labels, the operator's own target labels (namespace, container, pod,
 * job `<namespace>/<monitor>`, endpoint = the port's name), then the endpoint's `relabelings`;
 * `metricRelabelings` become metric_relabel_configs. Intervals are 1 s.
 */
export function podMonitorScrapeConfig(manifests: Yaml[], placement: PodPlacement): string {
  const deployment = manifests.find((m) => m.kind === 'Deployment');
  const podLabels: Labels = deployment.spec.template.metadata.labels;
  const jobs: Yaml[] = [];
  for (const monitor of manifests.filter((m) => m.kind === 'PodMonitor')) {
    if (!selects(monitor.spec.selector, podLabels)) continue;
    monitor.spec.podMetricsEndpoints.forEach((endpoint: Yaml, i: number) => {
      const container = deployment.spec.template.spec.containers.find((c: Yaml) =>
        (c.ports ?? []).some((p: Yaml) => p.name === endpoint.port),
      );
      if (!container) return; // the operator's keep rule on the port name drops the target
      const meta: Labels = {
        __meta_kubernetes_namespace: placement.namespace,
        __meta_kubernetes_pod_name: placement.pod,
        __meta_kubernetes_pod_container_name: container.name,
        __meta_kubernetes_pod_container_port_name: endpoint.port,
      };
      for (const [name, value] of Object.entries(podLabels)) {
        meta[`__meta_kubernetes_pod_label_${sanitize(name)}`] = value;
        meta[`__meta_kubernetes_pod_labelpresent_${sanitize(name)}`] = 'true';
      }
      const target = placement.ports[endpoint.port];
      if (!target) throw new Error(`No address for port ${endpoint.port}`);
      const operatorLabels = (
        [
          ['__meta_kubernetes_namespace', 'namespace'],
          ['__meta_kubernetes_pod_container_name', 'container'],
          ['__meta_kubernetes_pod_name', 'pod'],
        ] as const
      ).map(([source, label]) => ({ source_labels: [source], target_label: label }));
      jobs.push({
        job_name: `podMonitor/${placement.namespace}/${monitor.metadata.name}/${i}`,
        honor_labels: endpoint.honorLabels ?? false,
        metrics_path: endpoint.path ?? '/metrics',
        scrape_interval: '1s',
        scrape_timeout: '900ms',
        static_configs: [{ targets: [target], labels: meta }],
        relabel_configs: [
          ...operatorLabels,
          {
            target_label: 'job',
            replacement: `${placement.namespace}/${monitor.metadata.name}`,
          },
          { target_label: 'endpoint', replacement: endpoint.port },
          ...(endpoint.relabelings ?? []).map(relabelConfig),
        ],
        metric_relabel_configs: (endpoint.metricRelabelings ?? []).map(relabelConfig),
      });
    });
  }
  return JSON.stringify({ global: TEST_INTERVAL, scrape_configs: jobs }, null, 2);
}

/**
 * The pod's environment as Kubernetes gives it: `value`s, and `fieldRef`s to the pod's labels,
 * name or namespace resolved.
 */
export function podEnv(deployment: Yaml, placement: PodPlacement): Labels {
  const { labels } = deployment.spec.template.metadata;
  const env: Labels = {};
  for (const v of deployment.spec.template.spec.containers[0].env ?? []) {
    const path: string | undefined = v.valueFrom?.fieldRef?.fieldPath;
    if (path === undefined) env[v.name] = v.value;
    else if (path === 'metadata.name') env[v.name] = placement.pod;
    else if (path === 'metadata.namespace') env[v.name] = placement.namespace;
    else {
      const label = /^metadata\.labels\['(.+)'\]$/.exec(path);
      if (!label || !(label[1] in labels)) throw new Error(`Cannot resolve ${path} for ${v.name}`);
      env[v.name] = labels[label[1]];
    }
  }
  return env;
}
