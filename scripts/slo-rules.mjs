// Writes the Prometheus recording and alerting rules of deploy/prometheus/rules/ and the same
// groups as a Prometheus Operator PrometheusRule (deploy/kubernetes/prometheus-rule.yaml), so the
// two cannot drift (test/real/slo-rules.spec.ts checks the files are what this script writes).
//
//   node scripts/slo-rules.mjs                    write the files
//   node scripts/slo-rules.mjs --check            exit 1 if a file differs from what it would write
//   node scripts/slo-rules.mjs --scale 60 --out D the rules with every window and `for` divided by
//                                                 60 (1h → 60s), in D: for tests against a real
//                                                 Prometheus that cannot wait hours
//
// The objectives and thresholds are the OBJECTIVES below; each ends up in one recording rule of
// the `dynamo-slo-objectives` group, which is all a user of the YAML needs to edit.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import * as prettier from 'prettier';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The work handlers' endpoint: `dynamo_endpoint:` rules keep these labels (worker_id goes). */
const ENDPOINT = 'dynamo_namespace, dynamo_component, dynamo_endpoint';
/** The frontend's model: `model:` rules keep these labels. */
const MODEL = 'dynamo_namespace, model';
/** The scrape jobs of deploy/prometheus/prometheus.yml and the PodMonitors. */
const JOBS = ['dynamo-frontend', 'dynamo-backend'];
/** Frontend errors the server is answerable for (not validation, not_found, cancelled). */
const SERVER_ERRORS = 'overload|response_timeout|internal';

/**
 * The objectives. `objective`: the share of good requests (or tokens); `le`: the latency
 * threshold, a bucket boundary of the histogram (not an integer: Prometheus 3 writes `1` as `1.0`).
 */
export const OBJECTIVES = {
  component_availability: { objective: 0.999 },
  component_latency: { objective: 0.99, le: '2.5' },
  frontend_availability: { objective: 0.999 },
  frontend_ttft: { objective: 0.99, le: '0.47' },
  frontend_itl: { objective: 0.99, le: '0.084' },
};
/** Inflight requests of one endpoint (all its workers) counted as saturation. */
export const COMPONENT_INFLIGHT_LIMIT = 64;
/** The share of a model's declared max_num_seqs in flight counted as saturation. */
export const FRONTEND_INFLIGHT_SHARE = 0.9;

/** The Google SRE workbook's multi-window, multi-burn-rate pairs (long, short window, factor). */
const FAST = [
  { long: 3600, short: 300, factor: 14.4 },
  { long: 21600, short: 1800, factor: 6 },
];
const SLOW = [{ long: 86400, short: 7200, factor: 3 }];
const WINDOWS = [300, 1800, 3600, 7200, 21600, 86400];

/** `300` → `5m`: the name suffix (always the unscaled window). */
const name = (s) =>
  s % 86400 === 0 ? `${s / 86400}d` : s % 3600 === 0 ? `${s / 3600}h` : `${s / 60}m`;

/** The share of a histogram's observations over the bucket `le`, by `by`, over window `w`. */
const over = (family, by) => (w, le) =>
  `1 - (\n  sum by (${by}) (rate(${family}_bucket{le="${le}"}[${w}]))\n` +
  `  /\n  sum by (${by}) (rate(${family}_count[${w}]))\n)`;

/** The service level indicators: the share of bad events over a window. */
const SLIS = {
  component_availability: {
    level: 'dynamo_endpoint',
    record: 'dynamo_component_errors_per_request',
    expr: (w) =>
      `sum by (${ENDPOINT}) (rate(dynamo_component_errors_total[${w}]))\n` +
      `/\nsum by (${ENDPOINT}) (rate(dynamo_component_requests_total[${w}]))`,
  },
  component_latency: {
    level: 'dynamo_endpoint',
    record: 'dynamo_component_request_duration_seconds_over_objective',
    expr: over('dynamo_component_request_duration_seconds', ENDPOINT),
  },
  frontend_availability: {
    level: 'model',
    record: 'dynamo_frontend_errors_per_request',
    expr: (w) =>
      `(\n  sum by (${MODEL}) (rate(dynamo_frontend_requests_total{status="error", error_type=~"${SERVER_ERRORS}"}[${w}]))\n` +
      `  or\n  0 * sum by (${MODEL}) (rate(dynamo_frontend_requests_total[${w}]))\n)\n` +
      `/\nsum by (${MODEL}) (rate(dynamo_frontend_requests_total[${w}]))`,
  },
  frontend_ttft: {
    level: 'model',
    record: 'dynamo_frontend_time_to_first_token_seconds_over_objective',
    expr: over('dynamo_frontend_time_to_first_token_seconds', MODEL),
  },
  frontend_itl: {
    level: 'model',
    record: 'dynamo_frontend_inter_token_latency_seconds_over_objective',
    expr: over('dynamo_frontend_inter_token_latency_seconds', MODEL),
  },
};

const WHERE = {
  dynamo_endpoint:
    '{{ $labels.dynamo_namespace }}/{{ $labels.dynamo_component }}/{{ $labels.dynamo_endpoint }}',
  model: 'model {{ $labels.model }} (namespace {{ $labels.dynamo_namespace }})',
};

const BURNS = {
  component_availability: {
    alert: 'DynamoEndpointErrorBudgetBurn',
    what: 'failing requests',
    of: 'requests failed',
  },
  component_latency: {
    alert: 'DynamoEndpointLatencyBudgetBurn',
    what: 'slow requests',
    of: (le) => `requests took longer than ${le} s`,
  },
  frontend_availability: {
    alert: 'DynamoFrontendErrorBudgetBurn',
    what: 'failing requests',
    of: `requests failed (error_type ${SERVER_ERRORS.replaceAll('|', ', ')})`,
  },
  frontend_ttft: {
    alert: 'DynamoFrontendTTFTBudgetBurn',
    what: 'slow first tokens',
    of: (le) => `first tokens took longer than ${le} s`,
  },
  frontend_itl: {
    alert: 'DynamoFrontendITLBudgetBurn',
    what: 'slow inter-token gaps',
    of: (le) => `gaps between tokens were longer than ${le} s`,
  },
};

/** Every rule group, windows and `for` durations divided by `scale`. */
export function ruleFiles(scale = 1) {
  const dur = (s) => {
    const t = s / scale;
    return Number.isInteger(t / 60) && t >= 60 ? name(t) : `${Math.max(1, Math.round(t))}s`;
  };
  const objective = (slo) => `dynamo:${slo}_objective:ratio`;
  const sli = (slo, w) => `${SLIS[slo].level}:${SLIS[slo].record}:ratio_rate${name(w)}`;

  const objectives = {
    name: 'dynamo-slo-objectives',
    rules: [
      ...Object.entries(OBJECTIVES).map(([slo, { objective: value, le }]) => ({
        record: objective(slo),
        expr: `vector(${value})`,
        ...(le ? { labels: { le } } : {}),
      })),
      {
        record: 'dynamo:component_inflight_limit:count',
        expr: `vector(${COMPONENT_INFLIGHT_LIMIT})`,
      },
      {
        record: 'dynamo:frontend_inflight_limit:ratio',
        expr: `vector(${FRONTEND_INFLIGHT_SHARE})`,
      },
    ],
  };

  const q = (level, by, family, p, w) => ({
    record: `${level}:${family}:p${p}_rate${name(w)}`,
    expr: `histogram_quantile(0.${p}, sum by (${by}, le) (rate(${family}_bucket[${dur(w)}])))`,
  });
  const recording = {
    name: 'dynamo-recording',
    rules: [
      {
        record: 'dynamo_endpoint:dynamo_component_requests:rate5m',
        expr: `sum by (${ENDPOINT}) (rate(dynamo_component_requests_total[${dur(300)}]))`,
      },
      {
        record: 'dynamo_endpoint:dynamo_component_errors:rate5m',
        expr: `sum by (${ENDPOINT}) (rate(dynamo_component_errors_total[${dur(300)}]))`,
      },
      ...[50, 95, 99].map((p) =>
        q('dynamo_endpoint', ENDPOINT, 'dynamo_component_request_duration_seconds', p, 300),
      ),
      {
        record: 'dynamo_endpoint:dynamo_component_inflight_requests:sum',
        expr: `sum by (${ENDPOINT}) (dynamo_component_inflight_requests)`,
      },
      {
        record: 'model:dynamo_frontend_requests:rate5m',
        expr: `sum by (${MODEL}) (rate(dynamo_frontend_requests_total[${dur(300)}]))`,
      },
      q('model', MODEL, 'dynamo_frontend_time_to_first_token_seconds', 95, 300),
      q('model', MODEL, 'dynamo_frontend_inter_token_latency_seconds', 95, 300),
      {
        record: 'model:dynamo_frontend_output_tokens:rate5m',
        expr: `sum by (${MODEL}) (rate(dynamo_frontend_output_tokens_total[${dur(300)}]))`,
      },
    ],
  };

  // The indicators and the alerts that read them in one group: evaluated in this order at the same
  // instant (across groups the order is not fixed, and an alert could read the last round's value).
  const slis = {
    name: 'dynamo-slo',
    rules: Object.keys(SLIS).flatMap((slo) =>
      WINDOWS.map((w) => ({
        record: sli(slo, w),
        expr: SLIS[slo].expr(dur(w), OBJECTIVES[slo].le),
      })),
    ),
  };

  const burn = (slo, pairs) =>
    pairs
      .map(({ long, short, factor }) =>
        [long, short]
          .map(
            (w) =>
              `  ${sli(slo, w)}\n  > on () group_left () (${factor} * (1 - ${objective(slo)}))`,
          )
          .join('\nand\n'),
      )
      .map((both) => `(\n${both}\n)`)
      .join('\nor\n');
  const burnAlert = (slo, pairs, severity, forS, speed) => {
    const { alert, what, of } = BURNS[slo];
    const le = OBJECTIVES[slo].le;
    const factors = pairs.map((p) => `${p.factor}x over ${name(p.long)} and ${name(p.short)}`);
    return {
      alert: speed === 'slow' ? alert.replace(/Burn$/, 'SlowBurn') : alert,
      expr: burn(slo, pairs),
      for: dur(forS),
      labels: { severity, slo: slo.replaceAll('_', '-') },
      annotations: {
        summary: `${WHERE[SLIS[slo].level]} is burning its error budget: too many ${what}`,
        description:
          `{{ $value | humanizePercentage }} of ${typeof of === 'function' ? of(le) : of} at ` +
          `${WHERE[SLIS[slo].level]} over the last ${pairs.map((p) => name(p.long)).join(' or ')}: ` +
          `the budget of ${objective(slo)} burns at ${factors.join(', or ')}.`,
      },
    };
  };
  slis.rules.push(
    ...Object.keys(SLIS).flatMap((slo) => [
      burnAlert(slo, FAST, 'critical', 120, 'fast'),
      burnAlert(slo, SLOW, 'warning', 900, 'slow'),
    ]),
  );

  const jobs = JOBS.join('|');
  const alerts = {
    name: 'dynamo-alerts',
    rules: [
      {
        alert: 'DynamoEndpointInflightSaturated',
        expr:
          `sum by (${ENDPOINT}) (dynamo_component_inflight_requests)\n` +
          '>= on () group_left () dynamo:component_inflight_limit:count',
        for: dur(300),
        labels: { severity: 'warning' },
        annotations: {
          summary: `${WHERE.dynamo_endpoint} has too many requests in flight`,
          description: `{{ $value }} requests in flight at ${WHERE.dynamo_endpoint} for 5 minutes, at or over dynamo:component_inflight_limit:count.`,
        },
      },
      {
        alert: 'DynamoFrontendInflightSaturated',
        expr:
          `sum by (${MODEL}) (dynamo_frontend_inflight_requests)\n` +
          `/ sum by (${MODEL}) (dynamo_frontend_model_max_num_seqs)\n` +
          '>= on () group_left () dynamo:frontend_inflight_limit:ratio',
        for: dur(300),
        labels: { severity: 'warning' },
        annotations: {
          summary: `${WHERE.model} is near its max_num_seqs`,
          description: `{{ $value | humanizePercentage }} of max_num_seqs of ${WHERE.model} in flight for 5 minutes, at or over dynamo:frontend_inflight_limit:ratio.`,
        },
      },
      {
        alert: 'DynamoTargetDown',
        expr: `up{job=~"${jobs}"} == 0`,
        for: dur(120),
        labels: { severity: 'critical' },
        annotations: {
          summary: 'Prometheus cannot scrape {{ $labels.job }} at {{ $labels.instance }}',
          description:
            'Scrapes of {{ $labels.instance }} (job {{ $labels.job }}) have failed for 2 minutes: the app is down or its metrics port does not answer.',
        },
      },
      {
        alert: 'DynamoTargetAbsent',
        expr: JOBS.map((job) => `absent(up{job="${job}"})`).join('\nor\n'),
        for: dur(300),
        labels: { severity: 'critical' },
        annotations: {
          summary: 'Prometheus has no target in job {{ $labels.job }}',
          description:
            'No target of job {{ $labels.job }} for 5 minutes: service discovery finds no pod (its labels, the PodMonitor, the scrape config).',
        },
      },
      {
        alert: 'DynamoScrapeTimingOut',
        expr:
          `scrape_duration_seconds{job=~"${jobs}"}\n` +
          '>= on (job, instance) 0.9 * scrape_timeout_seconds',
        for: dur(120),
        labels: { severity: 'warning' },
        annotations: {
          summary: 'Scrapes of {{ $labels.job }} at {{ $labels.instance }} time out or nearly do',
          description:
            'Scrapes of {{ $labels.instance }} (job {{ $labels.job }}) take {{ $value | humanizeDuration }}, 90% or more of their scrape_timeout, for 2 minutes: a slow collect callback or included registry (collectTimeoutMs), or a timeout to raise.',
        },
      },
      {
        alert: 'DynamoSeriesOverflowing',
        expr:
          `sum by (job, instance, metric) (increase(dynamo_metrics_series_overflow_total[${dur(600)}])) > 0\n` +
          'or\n' +
          `sum by (job, instance, metric) (dynamo_metrics_series_overflow_total unless dynamo_metrics_series_overflow_total offset ${dur(600)})`,
        labels: { severity: 'warning' },
        annotations: {
          summary:
            '{{ $labels.metric }} at {{ $labels.instance }} sends new label sets to its overflow series',
          description:
            '{{ $labels.metric }} at {{ $labels.instance }} (job {{ $labels.job }}) reached its series limit or got label values too long in the last 10 minutes ({{ $value }} lookups): those series are merged into __overflow__. Bound the label values or raise the limit.',
        },
      },
    ],
  };

  return {
    'dynamo-slo-objectives.yml': [objectives],
    'dynamo-recording.yml': [recording],
    'dynamo-slo.yml': [slis],
    'dynamo-alerts.yml': [alerts],
  };
}

const HEADER =
  '# Generated by scripts/slo-rules.mjs (the objectives are its OBJECTIVES); docs/slo-rules.md.\n';
/** YAML as prettier leaves it (npm run lint checks the files with it). */
async function dump(value) {
  const text = HEADER + yaml.dump(value, { lineWidth: -1, noRefs: true });
  const options = await prettier.resolveConfig(join(root, 'deploy', 'x.yaml'));
  return prettier.format(text, { ...options, parser: 'yaml' });
}

/** Every file the script writes, by its path under the repository. */
export async function outputs() {
  const files = ruleFiles();
  const out = {};
  for (const [file, groups] of Object.entries(files))
    out[`deploy/prometheus/rules/${file}`] = await dump({ groups });
  out['deploy/kubernetes/prometheus-rule.yaml'] = await dump({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: { name: 'dynamo-sample-slo', labels: { 'app.kubernetes.io/name': 'dynamo-sample' } },
    spec: { groups: Object.values(files).flat() },
  });
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const arg = (flag) => args[args.indexOf(flag) + 1];
  if (args.includes('--scale')) {
    const dir = arg('--out');
    mkdirSync(dir, { recursive: true });
    for (const [file, groups] of Object.entries(ruleFiles(Number(arg('--scale')))))
      writeFileSync(join(dir, file), await dump({ groups }));
  } else {
    let stale = 0;
    for (const [path, text] of Object.entries(await outputs())) {
      const file = join(root, path);
      if (args.includes('--check')) {
        let now = '';
        try {
          now = readFileSync(file, 'utf8');
        } catch {
          // missing
        }
        if (now !== text) {
          console.error(`${path} is not what scripts/slo-rules.mjs writes: run it`);
          stale++;
        }
      } else writeFileSync(file, text);
    }
    process.exit(stale ? 1 : 0);
  }
}
