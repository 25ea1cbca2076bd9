import type { PromClientMetricJson } from '../core/prom-client-bridge';

type Sample = NonNullable<PromClientMetricJson['values']>[number];

/** A family read back from text exposition, in prom-client's JSON form. Not exported from the package. */
export interface ParsedFamily extends PromClientMetricJson {
  type: string;
  values: (Sample & { labels: Record<string, string> })[];
}

/** The sample names a family of each type writes, besides its own name. */
const SUFFIXES: Record<string, readonly string[]> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count'],
};

/**
 * Reads text exposition format 0.0.4 (what a worker's runtime renders) back into families:
 * `# HELP` / `# TYPE` lines, samples with escaped label values, `+Inf`, `-Inf` and `NaN`.
 * Timestamps are dropped; samples without a `# TYPE` form untyped families. Lines that are not
 * valid are skipped. Not exported from the package.
 */
export function parseExposition(text: string): ParsedFamily[] {
  const families = new Map<string, ParsedFamily>();
  const family = (name: string): ParsedFamily => {
    let found = families.get(name);
    if (!found) families.set(name, (found = { name, help: '', type: 'untyped', values: [] }));
    return found;
  };
  let current: ParsedFamily | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const match = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*)(?: (.*))?$/.exec(line);
      if (!match) continue;
      current = family(match[2]);
      if (match[1] === 'HELP') current.help = unescapeHelp(match[3] ?? '');
      else current.type = match[3] ?? 'untyped';
      continue;
    }
    const sample = parseSample(line);
    if (!sample) continue;
    const owner =
      current && belongsTo(sample.metricName, current) ? current : family(sample.metricName);
    owner.values.push({
      value: sample.value,
      labels: sample.labels,
      metricName: owner.name === sample.metricName ? undefined : sample.metricName,
    });
  }
  return [...families.values()];
}

function belongsTo(sampleName: string, family: ParsedFamily): boolean {
  if (sampleName === family.name) return true;
  const suffixes = SUFFIXES[family.type] ?? [];
  return suffixes.some((suffix) => sampleName === family.name + suffix);
}

function parseSample(
  line: string,
): { metricName: string; labels: Record<string, string>; value: number } | undefined {
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
  if (!name) return undefined;
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === '{') {
    at++;
    for (;;) {
      if (line[at] === '}') break;
      const label = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(line.slice(at));
      if (!label) return undefined;
      at += label[0].length;
      let value = '';
      for (; at < line.length && line[at] !== '"'; at++) {
        if (line[at] !== '\\') value += line[at];
        else {
          const next = line[++at];
          value += next === 'n' ? '\n' : next;
        }
      }
      if (line[at] !== '"') return undefined;
      labels[label[1]] = value;
      at++;
      if (line[at] === ',') at++;
    }
    at++;
  }
  const valueText = line.slice(at).trim().split(' ')[0];
  const value = parseValue(valueText);
  return value === undefined ? undefined : { metricName: name, labels, value };
}

function parseValue(text: string): number | undefined {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  if (text === '') return undefined;
  const value = Number(text);
  return Number.isNaN(value) ? undefined : value;
}

function unescapeHelp(help: string): string {
  return help.replace(/\\(\\|n)/g, (_match, escaped: string) => (escaped === 'n' ? '\n' : '\\'));
}
