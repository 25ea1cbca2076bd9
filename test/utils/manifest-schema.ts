// A small structural schema for the Kubernetes and Prometheus Operator objects deploy/ uses:
// the fields we write, their types and which are required. Unknown fields are errors (a typo in
// a manifest is silently ignored by kubectl's client-side apply, and by the operator). This
// replaces kubeconform, which needs the schemas from the network.

export type Schema =
  | 'string'
  | 'integer'
  | 'boolean'
  | { enum: readonly unknown[] }
  | { pattern: RegExp }
  | { object: Record<string, Schema>; required?: readonly string[] }
  | { array: Schema; minItems?: number }
  | { map: Schema }
  | { oneOf: readonly Schema[] };

/** Every problem of `value` against `schema`, each with its path; none when it conforms. */
export function validate(value: unknown, schema: Schema, path = '$'): string[] {
  if (schema === 'string')
    return typeof value === 'string' ? [] : [`${path}: expected a string, got ${show(value)}`];
  if (schema === 'integer')
    return Number.isInteger(value) ? [] : [`${path}: expected an integer, got ${show(value)}`];
  if (schema === 'boolean')
    return typeof value === 'boolean' ? [] : [`${path}: expected a boolean, got ${show(value)}`];
  if ('enum' in schema)
    return schema.enum.includes(value)
      ? []
      : [`${path}: expected one of ${schema.enum.join(', ')}, got ${show(value)}`];
  if ('pattern' in schema)
    return typeof value === 'string' && schema.pattern.test(value)
      ? []
      : [`${path}: ${show(value)} does not match ${schema.pattern}`];
  if ('oneOf' in schema) {
    const results = schema.oneOf.map((option) => validate(value, option, path));
    return results.some((errors) => errors.length === 0) ? [] : results[0];
  }
  if ('array' in schema) {
    if (!Array.isArray(value)) return [`${path}: expected a list, got ${show(value)}`];
    const errors = value.flatMap((item, i) => validate(item, schema.array, `${path}[${i}]`));
    if (value.length < (schema.minItems ?? 0))
      errors.push(`${path}: expected at least ${schema.minItems} items`);
    return errors;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return [`${path}: expected a mapping, got ${show(value)}`];
  const record = value as Record<string, unknown>;
  if ('map' in schema)
    return Object.entries(record).flatMap(([key, item]) =>
      validate(item, schema.map, `${path}.${key}`),
    );
  const errors: string[] = [];
  for (const key of schema.required ?? [])
    if (!(key in record)) errors.push(`${path}.${key}: required`);
  for (const [key, item] of Object.entries(record)) {
    const field = schema.object[key];
    if (!field) errors.push(`${path}.${key}: unknown field`);
    else errors.push(...validate(item, field, `${path}.${key}`));
  }
  return errors;
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

// Names and values as the Kubernetes API validates them.
const dnsSubdomain: Schema = { pattern: /^(?=.{1,253}$)[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/ };
const portName: Schema = { pattern: /^(?=.{1,15}$)(?=.*[a-z])[a-z0-9]([-a-z0-9]*[a-z0-9])?$/ };
const labelValue: Schema = { pattern: /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/ };
const labels: Schema = { map: labelValue };
const duration: Schema = { pattern: /^(\d+(ms|s|m|h))+$/ };
const quantity: Schema = { pattern: /^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/ };
const intOrName: Schema = { oneOf: ['integer', portName] };

const metadata: Schema = {
  object: { name: dnsSubdomain, namespace: dnsSubdomain, labels, annotations: { map: 'string' } },
  required: ['name'],
};
const labelSelector: Schema = { object: { matchLabels: labels }, required: ['matchLabels'] };
// Prometheus Operator takes Prometheus's actions, in lower case or capitalized.
const relabelActions = [
  'replace',
  'keep',
  'drop',
  'hashmod',
  'labelmap',
  'labeldrop',
  'labelkeep',
  'lowercase',
  'uppercase',
  'keepequal',
  'dropequal',
];
const probe: Schema = {
  object: {
    httpGet: {
      object: { path: 'string', port: intOrName, scheme: { enum: ['HTTP', 'HTTPS'] } },
      required: ['port'],
    },
    initialDelaySeconds: 'integer',
    periodSeconds: 'integer',
    timeoutSeconds: 'integer',
    failureThreshold: 'integer',
  },
  required: ['httpGet'],
};
const container: Schema = {
  object: {
    name: dnsSubdomain,
    image: 'string',
    args: { array: 'string' },
    env: {
      array: {
        object: {
          name: { pattern: /^[-._a-zA-Z][-._a-zA-Z0-9]*$/ },
          value: 'string',
          valueFrom: {
            object: {
              fieldRef: { object: { fieldPath: 'string' }, required: ['fieldPath'] },
            },
          },
        },
        required: ['name'],
      },
    },
    ports: {
      array: {
        object: {
          name: portName,
          containerPort: 'integer',
          protocol: { enum: ['TCP', 'UDP', 'SCTP'] },
        },
        required: ['containerPort'],
      },
    },
    livenessProbe: probe,
    readinessProbe: probe,
    startupProbe: probe,
    resources: {
      object: { requests: { map: quantity }, limits: { map: quantity } },
    },
  },
  required: ['name', 'image'],
};
const relabeling: Schema = {
  object: {
    sourceLabels: { array: 'string' },
    targetLabel: 'string',
    replacement: 'string',
    action: {
      enum: [...relabelActions, ...relabelActions.map((a) => a[0].toUpperCase() + a.slice(1))],
    },
    regex: 'string',
    separator: 'string',
  },
};
const scrapeEndpoint: Schema = {
  object: {
    port: portName,
    path: 'string',
    interval: duration,
    scrapeTimeout: duration,
    honorLabels: 'boolean',
    relabelings: { array: relabeling },
    metricRelabelings: { array: relabeling },
  },
  required: ['port'],
};

/** The schema of each `apiVersion/kind` deploy/ uses. */
export const MANIFEST_SCHEMAS: Record<string, Schema> = {
  'apps/v1/Deployment': {
    object: {
      apiVersion: 'string',
      kind: 'string',
      metadata,
      spec: {
        object: {
          replicas: 'integer',
          selector: labelSelector,
          template: {
            object: {
              metadata: { object: { labels, annotations: { map: 'string' } } },
              spec: {
                object: {
                  terminationGracePeriodSeconds: 'integer',
                  containers: { array: container, minItems: 1 },
                },
                required: ['containers'],
              },
            },
            required: ['metadata', 'spec'],
          },
        },
        required: ['selector', 'template'],
      },
    },
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
  },
  'v1/Service': {
    object: {
      apiVersion: 'string',
      kind: 'string',
      metadata,
      spec: {
        object: {
          type: { enum: ['ClusterIP', 'NodePort', 'LoadBalancer'] },
          selector: labels,
          ports: {
            array: {
              object: {
                name: portName,
                port: 'integer',
                targetPort: intOrName,
                protocol: { enum: ['TCP', 'UDP', 'SCTP'] },
              },
              required: ['port'],
            },
            minItems: 1,
          },
        },
        required: ['selector', 'ports'],
      },
    },
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
  },
  'monitoring.coreos.com/v1/PodMonitor': {
    object: {
      apiVersion: 'string',
      kind: 'string',
      metadata,
      spec: {
        object: {
          selector: labelSelector,
          podMetricsEndpoints: { array: scrapeEndpoint, minItems: 1 },
        },
        required: ['selector', 'podMetricsEndpoints'],
      },
    },
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
  },
  'monitoring.coreos.com/v1/ServiceMonitor': {
    object: {
      apiVersion: 'string',
      kind: 'string',
      metadata,
      spec: {
        object: {
          selector: labelSelector,
          endpoints: { array: scrapeEndpoint, minItems: 1 },
        },
        required: ['selector', 'endpoints'],
      },
    },
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
  },
  'monitoring.coreos.com/v1/PrometheusRule': {
    object: {
      apiVersion: 'string',
      kind: 'string',
      metadata,
      spec: {
        object: {
          groups: {
            array: {
              object: {
                name: 'string',
                interval: 'string',
                rules: {
                  array: {
                    object: {
                      record: 'string',
                      alert: 'string',
                      expr: 'string',
                      for: { pattern: /^(\d+(ms|s|m|h|d|w|y))+$/ },
                      labels: { map: 'string' },
                      annotations: { map: 'string' },
                    },
                    required: ['expr'],
                  },
                  minItems: 1,
                },
              },
              required: ['name', 'rules'],
            },
            minItems: 1,
          },
        },
        required: ['groups'],
      },
    },
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
  },
  'kustomize.config.k8s.io/v1beta1/Kustomization': {
    object: {
      apiVersion: 'string',
      kind: 'string',
      resources: { array: 'string', minItems: 1 },
    },
    required: ['apiVersion', 'kind', 'resources'],
  },
};
