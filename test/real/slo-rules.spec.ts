import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { realTool } from '../utils/real-tools';

const root = join(__dirname, '..', '..');
const rulesDir = join(root, 'deploy', 'prometheus', 'rules');
const testsDir = join(root, 'test', 'prometheus-rules');
const ruleFiles = readdirSync(rulesDir).filter((file) => file.endsWith('.yml'));
const testFiles = readdirSync(testsDir).filter((file) => file.endsWith('.test.yml'));
const promtool = realTool('promtool', 'apt-get install prometheus');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Yaml = any;
const yaml = (path: string): Yaml => load(readFileSync(path, 'utf8'));
const groups = (): Yaml[] => ruleFiles.flatMap((file) => yaml(join(rulesDir, file)).groups);
const run = (command: string, args: string[]) => {
  const result = spawnSync(command, args, { encoding: 'utf8', cwd: root });
  return { status: result.status, output: result.stdout + result.stderr };
};

describe('deploy/prometheus/rules', () => {
  it('are what scripts/slo-rules.mjs writes, and so is the PrometheusRule', () => {
    expect(run(process.execPath, ['scripts/slo-rules.mjs', '--check'])).toEqual({
      status: 0,
      output: '',
    });
  });

  it('the PrometheusRule holds exactly the groups of the rule files', () => {
    const rule = yaml(join(root, 'deploy', 'kubernetes', 'prometheus-rule.yaml'));
    expect(rule.kind).toBe('PrometheusRule');
    const byName = (list: Yaml[]) =>
      [...list].sort((a: Yaml, b: Yaml) => a.name.localeCompare(b.name));
    expect(byName(rule.spec.groups)).toEqual(byName(groups()));
  });

  it('every alert has a severity, a summary and a description', () => {
    const alerts = groups()
      .flatMap((group) => group.rules)
      .filter((rule) => rule.alert);
    expect(alerts.map((a) => a.alert).sort()).toEqual([
      'DynamoEndpointErrorBudgetBurn',
      'DynamoEndpointErrorBudgetSlowBurn',
      'DynamoEndpointInflightSaturated',
      'DynamoEndpointLatencyBudgetBurn',
      'DynamoEndpointLatencyBudgetSlowBurn',
      'DynamoFrontendErrorBudgetBurn',
      'DynamoFrontendErrorBudgetSlowBurn',
      'DynamoFrontendITLBudgetBurn',
      'DynamoFrontendITLBudgetSlowBurn',
      'DynamoFrontendInflightSaturated',
      'DynamoFrontendTTFTBudgetBurn',
      'DynamoFrontendTTFTBudgetSlowBurn',
      'DynamoScrapeTimingOut',
      'DynamoSeriesOverflowing',
      'DynamoTargetAbsent',
      'DynamoTargetDown',
    ]);
    for (const alert of alerts) {
      expect([alert.alert, alert.labels.severity]).toEqual([
        alert.alert,
        expect.stringMatching(/^(critical|warning)$/),
      ]);
      expect(Object.keys(alert.annotations).sort()).toEqual(['description', 'summary']);
      // Where it burns: the endpoint's or the model's labels, or the scrape target's.
      const where = /\$labels\.(dynamo_endpoint|model|job|metric)/;
      expect([alert.alert, where.test(alert.annotations.description)]).toEqual([alert.alert, true]);
    }
  });

  it('every recording rule is named level:metric:operations', () => {
    const records = groups()
      .flatMap((group) => group.rules)
      .filter((rule) => rule.record)
      .map((rule) => rule.record);
    expect(records.length).toBeGreaterThan(40);
    for (const record of records) expect(record).toMatch(/^[a-z_]+:[a-z_]+:[a-z0-9_]+$/);
  });

  (promtool ? it : it.skip).each(ruleFiles)('%s passes promtool check rules', (file) => {
    const check = run(promtool!, ['check', 'rules', join(rulesDir, file)]);
    expect(check.output).toContain('SUCCESS');
    expect(check.status).toBe(0);
  });

  (promtool ? it : it.skip).each(testFiles)(
    'test/prometheus-rules/%s passes promtool test rules',
    (file) => {
      const test = run(promtool!, ['test', 'rules', join(testsDir, file)]);
      expect(test.output).toContain('SUCCESS');
      expect(test.output).not.toContain('FAILED');
      expect(test.status).toBe(0);
    },
  );

  (promtool ? it : it.skip)(
    'the variant with windows scaled down for tests (--scale 60) passes promtool check rules',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'slo-rules-'));
      try {
        expect(
          run(process.execPath, ['scripts/slo-rules.mjs', '--scale', '60', '--out', dir]).status,
        ).toBe(0);
        const scaled = readFileSync(join(dir, 'dynamo-slo.yml'), 'utf8');
        // 1h → 1m, 5m → 5s, `for: 2m` → 2s.
        expect(scaled).toContain('rate(dynamo_component_errors_total[1m])');
        expect(scaled).toContain('rate(dynamo_component_errors_total[5s])');
        expect(scaled).toContain('for: 2s');
        for (const file of readdirSync(dir)) {
          const check = run(promtool!, ['check', 'rules', join(dir, file)]);
          expect(check.status).toBe(0);
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
