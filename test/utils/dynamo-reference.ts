import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load, loadAll } from 'js-yaml';

/**
 * Dynamo's own observability files (dashboards, rule files, the PromQL of its docs), kept outside
 * the repository as published: `DYNAMO_REFERENCE_DIR`, else `../shared/dynamo-reference` beside
 * the checkout.
 */
export const REFERENCE_DIR =
  process.env.DYNAMO_REFERENCE_DIR ?? join(process.cwd(), '..', 'shared', 'dynamo-reference');

/** A template variable of a reference dashboard, as far as the queries need it. */
export interface ReferenceVariable {
  name: string;
  type: string;
  query?: string;
  includeAll?: boolean;
  allValue?: string;
}

/** One PromQL expression of a reference file, with where it is shown. */
export interface ReferenceQuery {
  /** The file, relative to the reference directory (a ConfigMap's file: `path:key`). */
  file: string;
  panel: string;
  refId: string;
  expr: string;
  variables: ReferenceVariable[];
}

/** `file › panel › refId`: how the test names a reference query. */
export const queryKey = (q: ReferenceQuery) => `${q.file} › ${q.panel} › ${q.refId}`;

interface RawPanel {
  type?: string;
  title?: string;
  datasource?: unknown;
  panels?: RawPanel[];
  targets?: { refId?: string; expr?: string; datasource?: unknown }[];
}
interface RawDashboard {
  panels?: RawPanel[];
  templating?: { list?: (Omit<ReferenceVariable, 'query'> & { query?: unknown })[] };
}

const datasourceType = (ds: unknown) =>
  typeof ds === 'object' && ds !== null ? (ds as { type?: string }).type : undefined;

function* panelsOf(panels: RawPanel[] = []): Generator<RawPanel> {
  for (const panel of panels) {
    yield panel;
    yield* panelsOf(panel.panels);
  }
}

function dashboardQueries(file: string, dashboard: RawDashboard): ReferenceQuery[] {
  const variables = (dashboard.templating?.list ?? []).map((v) => ({
    ...v,
    query:
      typeof v.query === 'object' && v.query !== null
        ? (v.query as { query: string }).query
        : (v.query as string | undefined),
  }));
  const queries: ReferenceQuery[] = [];
  for (const panel of panelsOf(dashboard.panels))
    for (const target of panel.targets ?? []) {
      // Loki's LogQL and empty targets are not PromQL.
      const type = datasourceType(target.datasource) ?? datasourceType(panel.datasource);
      if (!target.expr?.trim() || (type && type !== 'prometheus')) continue;
      queries.push({
        file,
        panel: panel.title ?? '',
        refId: target.refId ?? '',
        expr: target.expr,
        variables,
      });
    }
  return queries;
}

/**
 * Every PromQL expression of the reference files: JSON dashboards, ConfigMaps that embed them,
 * rule files, and `docs_queries.json`. Scrape configs and PodMonitors hold none.
 */
export function loadReferenceQueries(dir = REFERENCE_DIR): ReferenceQuery[] {
  const queries: ReferenceQuery[] = [];
  for (const folder of readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()))
    for (const name of readdirSync(join(dir, folder.name)).sort()) {
      const file = `${folder.name}/${name}`;
      const text = readFileSync(join(dir, file), 'utf8');
      if (name.endsWith('.json')) queries.push(...dashboardQueries(file, JSON.parse(text)));
      else if (/\.ya?ml$/.test(name) && !text.includes('{{-')) {
        for (const doc of loadAll(text) as Record<string, unknown>[]) {
          if (doc?.kind === 'ConfigMap')
            for (const [key, json] of Object.entries(doc.data as Record<string, string>))
              queries.push(...dashboardQueries(`${file}:${key}`, JSON.parse(json)));
          else if (Array.isArray(doc?.groups))
            for (const group of doc.groups as { name: string; rules: Record<string, string>[] }[])
              for (const rule of group.rules)
                queries.push({
                  file,
                  panel: rule.alert ?? rule.record,
                  refId: group.name,
                  expr: rule.expr,
                  variables: [],
                });
        }
      }
    }
  const docs = join(dir, 'docs_queries.json');
  if (existsSync(docs)) {
    const { dashboards } = load(readFileSync(docs, 'utf8')) as {
      dashboards: {
        id: string;
        variables: ReferenceVariable[];
        queries: { panel: string; refId: string; expr: string }[];
      }[];
    };
    for (const { id, variables, queries: docQueries } of dashboards)
      for (const q of docQueries)
        queries.push({ file: `docs_queries.json#${id}`, ...q, variables });
  }
  // A dashboard may show two panels of the same title: the second is `title #2`.
  const seen = new Map<string, number>();
  for (const q of queries) {
    const n = (seen.get(queryKey(q)) ?? 0) + 1;
    seen.set(queryKey(q), n);
    if (n > 1) q.panel = `${q.panel} #${n}`;
  }
  return queries;
}

// PromQL words that are not metric names.
const KEYWORDS = new Set(
  (
    'by without on ignoring group_left group_right bool and or unless offset atan2 inf nan ' +
    'sum min max avg count stddev stdvar topk bottomk quantile count_values group limitk ' +
    'limit_ratio'
  ).split(' '),
);

/** The metric names an expression reads (label names, functions and strings left out). */
export function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""') // strings
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\[[^\]]*\]/g, ' ') // ranges
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ') // label lists
    .replace(/\$\{?\w+\}?/g, ' ') // Grafana variables
    .replace(/\b\d+(\.\d+)?(e[+-]?\d+)?\b/gi, ' '); // numbers (1e9)
  const names = new Set<string>();
  for (const match of stripped.matchAll(/([A-Za-z_:][\w:]*)\s*(\()?/g)) {
    const [, word, call] = match;
    if (call || KEYWORDS.has(word.toLowerCase())) continue; // a function or aggregation
    if (/^\d/.test(word)) continue;
    names.add(word);
  }
  return [...names].sort();
}

/**
 * The family a metric name belongs to, given the scrape's `# TYPE` lines: itself, or a
 * histogram's or summary's `_bucket` / `_sum` / `_count`; undefined when the scrape has none.
 */
export function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  const match = /^(.*)_(bucket|sum|count)$/.exec(name);
  const type = match && types.get(match[1]);
  if (type === 'histogram' || (type === 'summary' && match![2] !== 'bucket')) return match![1];
  return undefined;
}

/** `# TYPE name type` lines of a scrape, by name. */
export function scrapeTypes(text: string): Map<string, string> {
  return new Map(
    [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map(([, name, type]) => [name, type] as const),
  );
}
