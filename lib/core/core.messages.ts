import {
  MAX_EXEMPLAR_LABELS_LENGTH,
  MAX_TIMEOUT_MS,
  OVERFLOW_LABEL_VALUE,
  SERIES_OVERFLOW_METRIC,
} from './core.constants';

// Error texts. The first ones are Dynamo's, word for word.

export const emptyNameMessage = (kind: 'name' | 'label') =>
  `Cannot sanitize empty string into valid Prometheus ${kind}`;

export const onlyInvalidCharactersMessage = (raw: string, kind: 'name' | 'label') =>
  `Input '${raw}' contains only invalid characters and cannot be sanitized into a valid Prometheus ${kind}`;

export const autoLabelConstMessage = (name: string) =>
  `Label '${name}' is automatically added by auto-label injection and cannot be manually set`;

export const autoLabelVariableMessage = (name: string) =>
  `Variable label name '${name}' conflicts with auto-injected const label and cannot be used`;

export const duplicateLabelMessage = (name: string) =>
  `Duplicate label key '${name}' found in labels`;

// Ours.

export const invalidLabelNameMessage = (name: unknown) =>
  `Invalid label name ${JSON.stringify(name)}: label names must match [a-zA-Z_][a-zA-Z0-9_]* and must not start with '__'`;

export const exemplarTooLongMessage = (metric: string, length: number, labels: unknown) =>
  `Exemplar of '${metric}' has labels of ${length} characters ${JSON.stringify(labels)}; OpenMetrics allows at most ${MAX_EXEMPLAR_LABELS_LENGTH} (names and values, in code points): shorten the values or drop a label`;

export const invalidExemplarLabelsMessage = (metric: string, labels: unknown) =>
  `Exemplar of '${metric}' got labels ${describe(labels)}; they must be an object of string values, e.g. { trace_id: '…', span_id: '…' }`;

export const reservedLabelMessage = (name: string, kind: string) =>
  `Label name '${name}' is reserved for ${kind} series and cannot be used`;

export const invalidLabelValueMessage = (name: string, value: unknown) =>
  `Label '${name}' got ${describe(value)}; label values must be strings (numbers and booleans are converted)`;

export const labelCountMessage = (metric: string, expected: readonly string[], got: number) =>
  `Metric '${metric}' has ${expected.length} label(s) [${expected.join(', ')}] but got ${got} value(s)`;

export const missingLabelMessage = (metric: string, label: string) =>
  `Metric '${metric}' needs a value for label '${label}'`;

export const unknownLabelMessage = (metric: string, label: string, expected: readonly string[]) =>
  `Metric '${metric}' has no label '${label}'; its labels are [${expected.join(', ')}]`;

export const invalidHelpMessage = (metric: string, help: unknown) =>
  `Metric '${metric}' needs a non-empty help string, got ${describe(help)}`;

export const invalidBucketsMessage = (metric: string, buckets: unknown, why: string) =>
  `Metric '${metric}' has invalid buckets ${describe(buckets)}: ${why}`;

export const invalidUnitMessage = (metric: string, unit: string) =>
  `Metric '${metric}' cannot have unit '${unit}': a unit must match [a-zA-Z0-9_]+ and the name must end with '_${unit}'`;

export const negativeIncrementMessage = (metric: string, value: unknown) =>
  `Counter '${metric}' can only increase: got increment ${describe(value)}; use a gauge for values that go down`;

export const notANumberMessage = (metric: string, value: unknown) =>
  `Metric '${metric}' got ${describe(value)}; values must be numbers and not NaN`;

export const notAnIntegerMessage = (metric: string, value: unknown) =>
  `Integer metric '${metric}' got ${describe(value)}; it only takes safe integers (use the float variant for fractions)`;

export const shapeConflictMessage = (
  name: string,
  where: string,
  existing: string,
  requested: string,
) =>
  `Metric '${name}' is already registered on ${where} as ${existing}; cannot register it again as ${requested}. ` +
  `Use the same type, help, labels, buckets and unit to get the existing metric, or choose another name`;

export const familyConflictMessage = (
  name: string,
  existingWhere: string,
  existing: string,
  requestedWhere: string,
  requested: string,
) =>
  `Metric '${name}' is registered on ${existingWhere} as ${existing}; every series of one family must share type, help and unit, ` +
  `so it cannot be registered on ${requestedWhere} as ${requested}`;

export const externalConflictMessage = (name: string, source: string) =>
  `Metric '${name}' is already registered in ${source}; one scrape cannot hold two families of the same name. Rename one of them`;

export const sampleNameConflictMessage = (
  name: string,
  sample: string,
  owner: string,
  where: string,
) =>
  `Metric '${name}' would write samples named '${sample}', which the metric '${owner}' in ${where} already writes ` +
  `(a histogram also writes _bucket, _sum and _count; a counter its name with and without _total); the scrape could not be parsed. Rename one of them`;

export const includeConflictMessage = (
  source: string,
  name: string,
  sample: string,
  owner: string,
  where: string,
) =>
  name === owner
    ? `Cannot include ${source}: its metric '${name}' is already registered in ${where}; one scrape cannot hold two families of the same name. Rename one of them`
    : `Cannot include ${source}: its metric '${name}' writes samples named '${sample}', which the metric '${owner}' in ${where} already writes. Rename one of them`;

export const externalConflictAtScrapeMessage = (name: string, source: string) =>
  `Metric '${name}' from ${source} clashes with a metric of this runtime and was left out of the scrape. Rename one of them`;

export const readFailedMessage = (source: string, error: unknown) =>
  `Reading ${source} failed and it was left out of the scrape: ${error instanceof Error ? error.message : String(error)}`;

export const externalInvalidMessage = (name: unknown, source: string, why: string) =>
  `Metric ${JSON.stringify(name)} from ${source} was left out of the scrape: ${why}`;

export const externalDuplicateAtScrapeMessage = (name: string, source: string, kept: string) =>
  `Metric '${name}' from ${source} is also in ${kept}; the one from ${kept} was kept and this one left out of the scrape. Rename one of them`;

export const namespacePathConflictMessage = (path: string, existing: string, requested: string) =>
  `Cannot create ${requested}: its dynamo_namespace value "${path}" is already carried by ${existing}; ` +
  `their series would be indistinguishable. Choose another name`;

export const callbackFailedMessage = (kind: string, error: unknown) =>
  `An ${kind} callback failed and was skipped: ${error instanceof Error ? error.message : String(error)}`;

export const unknownFormatMessage = (format: unknown) =>
  `Unknown exposition format ${describe(format)}; use 'prometheus' or 'openmetrics'`;

export const runtimeLabelReservedMessage = (name: string) =>
  `Runtime const label '${name}' is reserved (Dynamo's auto labels, worker_id and le are): choose another name`;

export const invalidWorkerIdMessage = (value: unknown) =>
  `Invalid workerId ${describe(value)}: use a non-empty string, a non-negative integer or bigint ` +
  `(written in hex), false to leave worker_id out, or nothing for the process's id`;

export const invalidMaxSeriesPerMetricMessage = (value: unknown) =>
  `Invalid maxSeriesPerMetric ${describe(value)}: use a positive integer, or Infinity for no limit`;

export const invalidMaxLabelValueLengthMessage = (value: unknown) =>
  `Invalid maxLabelValueLength ${describe(value)}: use a positive integer, or Infinity for no limit`;

export const invalidMetricMaxLabelValueLengthMessage = (metric: string, value: unknown) =>
  `Metric '${metric}' has invalid maxLabelValueLength ${describe(value)}: use a positive integer, or Infinity for no limit`;

export const invalidMaxSeriesMessage = (metric: string, value: unknown) =>
  `Metric '${metric}' has invalid maxSeries ${describe(value)}: use a positive integer, or Infinity for no limit`;

export const invalidCollectTimeoutMessage = (value: unknown) =>
  `Invalid collectTimeoutMs ${describe(value)}: use a positive integer number of milliseconds up to ${MAX_TIMEOUT_MS}, or Infinity for no timeout`;

export const seriesOverflowLabelReservedMessage = (name: string) =>
  `Runtime const label '${name}' is reserved (${SERIES_OVERFLOW_METRIC} uses it to name a metric): choose another name`;

export const seriesLimitMessage = (
  metric: string,
  where: string,
  limit: number,
  labels: readonly (readonly [string, string])[],
) =>
  `Metric '${metric}' on ${where} reached its limit of ${limit} series; new label sets, first ` +
  `{${labels.map(([name, value]) => `${name}=${JSON.stringify(truncate(value))}`).join(', ')}}, ` +
  `go to its overflow series (every variable label "${OVERFLOW_LABEL_VALUE}") and are counted in ${SERIES_OVERFLOW_METRIC}. ` +
  `Bound the label values, remove() series no longer needed, or raise maxSeries / maxSeriesPerMetric`;

export const labelValueTooLongMessage = (
  metric: string,
  where: string,
  limit: number,
  label: string,
  value: string,
) =>
  `Metric '${metric}' on ${where} got a value of ${value.length} characters for label '${label}' ` +
  `(${JSON.stringify(truncate(value, SHOWN_PREFIX_LENGTH))}), over its maxLabelValueLength of ${limit}; ` +
  `label sets with longer values go to its overflow series (every variable label "${OVERFLOW_LABEL_VALUE}") and are counted in ${SERIES_OVERFLOW_METRIC}. ` +
  `Bound the label values, or raise maxLabelValueLength`;

export const reservedLabelValueMessage = (metric: string, where: string, label: string) =>
  `Metric '${metric}' on ${where} got the value "${OVERFLOW_LABEL_VALUE}" for label '${label}', which marks its overflow series; ` +
  `label sets with it go to that series and are counted in ${SERIES_OVERFLOW_METRIC}. Map that value to another one`;

export const callbackTimedOutMessage = (kind: string, ms: number) =>
  `An ${kind} callback did not settle within ${ms} ms and was skipped; it is not called again until it settles`;

export const readTimedOutMessage = (source: string, ms: number) =>
  `Reading ${source} did not finish within ${ms} ms and it was left out of the scrape; it is not read again until it settles`;

export const collectFailedReason = (error: unknown) =>
  `collecting it failed: ${error instanceof Error ? error.message : String(error)}`;

export const collectTimedOutReason = (ms: number) =>
  `collecting it did not finish within ${ms} ms; it is not collected again until it settles`;

/** Label values in messages: a 10 KB value must not make a 10 KB log line. */
const SHOWN_VALUE_LENGTH = 64;
/** What a message shows of a value refused for its length: a prefix, never the whole value. */
const SHOWN_PREFIX_LENGTH = 32;

/** The first `max` code points of `value`, with `…` when there were more. */
export function truncate(value: string, max = SHOWN_VALUE_LENGTH): string {
  if (value.length <= max) return value;
  // Only the start is split into code points: a 1 MB value costs what a short one does.
  const characters = [...value.slice(0, 2 * max)];
  return characters.length <= max && value.length <= 2 * max
    ? value
    : characters.slice(0, max).join('') + '…';
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    try {
      return JSON.stringify(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
  return String(value);
}

export const invalidPrefixMessage = (prefix: unknown) =>
  `Invalid metric name prefix ${describe(prefix)}: it must match [a-zA-Z_:][a-zA-Z0-9_:]* ` +
  `(e.g. 'dynamo_frontend_')`;

export const invalidPrefixNamespaceMessage = (namespace: unknown) =>
  `Invalid dynamo_namespace value ${describe(namespace)} for prefixed metrics: expected a non-empty string`;

export const invalidLogBucketsMessage = (min: unknown, max: unknown, count: unknown) =>
  `Invalid log buckets (min ${describe(min)}, max ${describe(max)}, count ${describe(count)}): ` +
  `min and max must be finite with 0 < min < max, and count an integer from 1 to 512`;
