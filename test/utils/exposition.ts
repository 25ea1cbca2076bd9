/** One sample line of exposition text. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*';
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const COMMENT = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`);
const SAMPLE = new RegExp(`^(${NAME})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`);
const PAIR = new RegExp(`(${LABEL})="((?:[^"\\\\\\n]|\\\\[\\\\"n])*)"(,|$)`, 'y');

/**
 * Parses Prometheus text format 0.0.4 strictly, as a scraper would, and checks what a scraper
 * relies on: every sample belongs to the family typed before it, no series twice, histogram
 * buckets cumulative with `+Inf` equal to `_count`. Throws, naming the line, on anything else.
 */
export function parseExposition(text: string): Sample[] {
  if (text !== '' && !text.endsWith('\n')) throw new Error('exposition text must end with \\n');
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const seen = new Set<string>();
  let family: string | undefined;
  const lines = text === '' ? [] : text.slice(0, -1).split('\n');
  for (const [index, line] of lines.entries()) {
    const fail = (why: string) => {
      throw new Error(`line ${index + 1}: ${why}: ${JSON.stringify(line)}`);
    };
    if (line.startsWith('#')) {
      const comment = COMMENT.exec(line);
      if (!comment) fail('malformed comment');
      const [, kind, name, rest] = comment!;
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) fail('unknown type');
        if (types.has(name)) fail('family typed twice');
        types.set(name, rest);
        family = name;
      }
      continue;
    }
    const match = SAMPLE.exec(line);
    if (!match) fail('malformed sample');
    const [, name, labelText = '', valueText] = match!;
    const type = family === undefined ? undefined : types.get(family);
    const suffixes = type === 'histogram' ? ['_bucket', '_sum', '_count'] : [''];
    if (!suffixes.some((suffix) => name === family + suffix)) fail(`not in family ${family}`);
    const labels: Record<string, string> = {};
    PAIR.lastIndex = 0;
    while (PAIR.lastIndex < labelText.length) {
      const start = PAIR.lastIndex;
      const pair = PAIR.exec(labelText);
      if (!pair || pair.index !== start) fail('malformed labels');
      if (pair![1] in labels) fail(`label ${pair![1]} twice`);
      labels[pair![1]] = pair![2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    const value = parseValue(valueText);
    if (value === undefined) fail('malformed value');
    const key = name + JSON.stringify(Object.entries(labels).sort());
    if (seen.has(key)) fail('series twice');
    seen.add(key);
    samples.push({ name, labels, value: value! });
  }
  checkHistograms(samples, types);
  return samples;
}

function parseValue(text: string): number | undefined {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : undefined;
}

function checkHistograms(samples: Sample[], types: Map<string, string>): void {
  const series = new Map<string, { buckets: [number, number][]; count?: number }>();
  for (const sample of samples) {
    const base = sample.name.replace(/_(bucket|count)$/, '');
    if (types.get(base) !== 'histogram' || base === sample.name) continue;
    const { le, ...rest } = sample.labels;
    const key = base + JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (sample.name.endsWith('_count')) entry.count = sample.value;
    else entry.buckets.push([parseValue(le) ?? NaN, sample.value]);
  }
  for (const [key, { buckets, count }] of series) {
    for (let i = 1; i < buckets.length; i++) {
      if (!(buckets[i][0] > buckets[i - 1][0]) || buckets[i][1] < buckets[i - 1][1])
        throw new Error(`histogram ${key}: buckets not increasing and cumulative`);
    }
    const last = buckets[buckets.length - 1];
    if (!last || last[0] !== Infinity || last[1] !== count)
      throw new Error(`histogram ${key}: +Inf bucket ${last?.[1]} differs from _count ${count}`);
  }
}

/** The samples named `name` whose labels include `labels`. */
export function samplesOf(
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
): Sample[] {
  return samples.filter(
    (sample) =>
      sample.name === name &&
      Object.entries(labels).every(([label, value]) => sample.labels[label] === value),
  );
}
