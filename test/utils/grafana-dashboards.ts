import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The shipped dashboards' directory. */
// The repo root is jest's working directory (`__dirname` is not defined in jest's ESM mode).
export const DASHBOARDS_DIR = join(process.cwd(), 'deploy', 'grafana', 'dashboards');

export interface DashboardTarget {
  refId: string;
  expr: string;
  legendFormat?: string;
  /** Whether Grafana asks for the exemplars of the query's series. */
  exemplar?: boolean;
  datasource?: { type?: string; uid?: string };
}

export interface DashboardPanel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: DashboardTarget[];
  panels?: DashboardPanel[];
  gridPos: { h: number; w: number; x: number; y: number };
  fieldConfig?: { defaults?: { unit?: string } };
}

export interface DashboardVariable {
  name: string;
  type: string;
  query: string | { query: string };
  allValue?: string;
  includeAll?: boolean;
  multi?: boolean;
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: DashboardPanel[];
  templating: { list: DashboardVariable[] };
}

/** Every dashboard JSON shipped in deploy/grafana/dashboards, by file name. */
export function loadDashboards(): Map<string, Dashboard> {
  return new Map(
    readdirSync(DASHBOARDS_DIR)
      .filter((file) => file.endsWith('.json'))
      .sort()
      .map((file) => [file, JSON.parse(readFileSync(join(DASHBOARDS_DIR, file), 'utf8'))]),
  );
}

/** Every panel that queries (rows' children included, rows themselves left out). */
export function queryPanels(dashboard: Dashboard): DashboardPanel[] {
  return dashboard.panels
    .flatMap((panel) => (panel.type === 'row' ? (panel.panels ?? []) : [panel]))
    .filter((panel) => panel.type !== 'row');
}

/** The PromQL of a query variable (`label_values(...)`). */
export function variableQuery(variable: DashboardVariable): string {
  return typeof variable.query === 'string' ? variable.query : variable.query.query;
}

/** `label_values(selector, label)` or `label_values(label)` → its parts. */
export function parseLabelValues(query: string): { selector?: string; label: string } {
  const match = /^label_values\((?:(.+),\s*)?([a-zA-Z_][a-zA-Z0-9_]*)\)$/.exec(query.trim());
  if (!match) throw new Error(`Not a label_values() query: ${query}`);
  return { selector: match[1], label: match[2] };
}

/**
 * Regex-escapes a value as Grafana's Prometheus datasource does: the regex backslash is itself
 * escaped for the PromQL string it lands in (`127\\.0\\.0\\.1`).
 */
const escapeRegex = (value: string) => value.replace(/[\\^$*+?.()|[\]{}]/g, '\\\\$&');

/**
 * A selection of a variable as Grafana interpolates it into PromQL: "All" is the variable's
 * `allValue`; one value is itself, regex-escaped; several are `(a|b)`.
 */
export function interpolation(variable: DashboardVariable, selected: string[] | 'all'): string {
  if (selected === 'all') {
    if (variable.allValue === undefined) throw new Error(`${variable.name} has no allValue`);
    return variable.allValue;
  }
  const escaped = selected.map(escapeRegex);
  return escaped.length === 1 ? escaped[0] : `(${escaped.join('|')})`;
}

/**
 * Replaces `${name}` / `$name` by the given values and `$__rate_interval` by `rateInterval`;
 * anything else that looks like a variable is an error (the test would not know its value).
 */
export function substitute(
  expr: string,
  values: Record<string, string>,
  rateInterval: string,
): string {
  const replaced = expr
    .replace(/\$__rate_interval/g, rateInterval)
    .replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced: string, bare: string) => {
      const name = braced ?? bare;
      if (!(name in values)) throw new Error(`Unknown variable ${whole} in ${expr}`);
      return values[name];
    });
  return replaced;
}
