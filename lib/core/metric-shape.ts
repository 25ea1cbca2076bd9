import { BucketLayout } from './bucket-layout';
import {
  autoLabelConstMessage,
  autoLabelVariableMessage,
  duplicateLabelMessage,
  invalidBucketsMessage,
  invalidHelpMessage,
  invalidLabelValueMessage,
  invalidMaxSeriesMessage,
  invalidMetricMaxLabelValueLengthMessage,
  invalidUnitMessage,
  reservedLabelMessage,
} from './core.messages';
import { compareUtf8 } from './exposition-text';
import type { HistogramOptions } from './interfaces/metric-options.interface';
import { assertValidLabelName } from './naming';

/** What a `create*` call asked for. */
export type MetricKind = 'counter' | 'int_counter' | 'gauge' | 'int_gauge' | 'histogram';

/** The family types the renderer writes. */
export type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';

/** Everything that makes two registrations the same metric. */
export interface MetricShape {
  readonly kind: MetricKind;
  readonly vec: boolean;
  readonly help: string;
  readonly labelNames: readonly string[];
  /** User const labels, sorted by name. */
  readonly constLabels: readonly (readonly [string, string])[];
  readonly buckets?: readonly number[];
  readonly unit?: string;
  /** Vecs only, when given: the runtime's default applies otherwise. */
  readonly maxSeries?: number;
  /** Vecs only, when given: the runtime's default applies otherwise. */
  readonly maxLabelValueLength?: number;
}

const UNIT = /^[a-zA-Z0-9_]+$/;
const NONE: readonly never[] = Object.freeze([]);

export function metricType(kind: MetricKind): MetricType {
  return kind === 'int_counter' ? 'counter' : kind === 'int_gauge' ? 'gauge' : kind;
}

/** Validates a registration and returns its shape; throws Dynamo's (or our) specific errors. @internal */
export function buildShape(
  name: string,
  kind: MetricKind,
  vec: boolean,
  help: unknown,
  labelNames: unknown,
  opts: HistogramOptions,
  reservedLabels: readonly string[],
  defaultBuckets: readonly number[],
): MetricShape {
  if (typeof help !== 'string' || help.length === 0)
    throw new Error(invalidHelpMessage(name, help));

  const seen = new Set<string>();
  const checkName = (label: unknown, reservedMessage: (label: string) => string): string => {
    assertValidLabelName(label);
    if (reservedLabels.includes(label)) throw new Error(reservedMessage(label));
    if (kind === 'histogram' && label === 'le')
      throw new Error(reservedLabelMessage(label, 'histogram'));
    if (seen.has(label)) throw new Error(duplicateLabelMessage(label));
    seen.add(label);
    return label;
  };

  const constLabels: [string, string][] = [];
  const given = opts.constLabels ?? [];
  const pairs: (readonly [string, unknown])[] = Array.isArray(given)
    ? given
    : Object.entries(given);
  for (const [label, value] of pairs) {
    checkName(label, autoLabelConstMessage);
    if (typeof value !== 'string') throw new Error(invalidLabelValueMessage(label, value));
    constLabels.push([label, value]);
  }
  constLabels.sort((a, b) => compareUtf8(a[0], b[0]));

  if (!Array.isArray(labelNames)) {
    throw new Error(`Metric '${name}' needs an array of label names, got ${String(labelNames)}`);
  }
  const variable = labelNames.map((label: unknown) => checkName(label, autoLabelVariableMessage));

  let unit: string | undefined;
  if (opts.unit !== undefined) {
    unit = opts.unit;
    const base = metricType(kind) === 'counter' ? name.replace(/_total$/, '') : name;
    if (typeof unit !== 'string' || !UNIT.test(unit) || !base.endsWith('_' + unit)) {
      throw new Error(invalidUnitMessage(name, String(unit)));
    }
  }

  if (opts.maxSeries !== undefined && !isLimit(opts.maxSeries)) {
    throw new Error(invalidMaxSeriesMessage(name, opts.maxSeries));
  }
  if (opts.maxLabelValueLength !== undefined && !isLimit(opts.maxLabelValueLength)) {
    throw new Error(invalidMetricMaxLabelValueLengthMessage(name, opts.maxLabelValueLength));
  }

  return {
    kind,
    vec,
    help,
    labelNames: variable.length === 0 ? NONE : Object.freeze(variable),
    constLabels: constLabels.length === 0 ? NONE : Object.freeze(constLabels),
    buckets: kind === 'histogram' ? checkBuckets(name, opts.buckets ?? defaultBuckets) : undefined,
    unit,
    maxSeries: vec ? opts.maxSeries : undefined,
    maxLabelValueLength: vec ? opts.maxLabelValueLength : undefined,
  };
}

/** A limit (series, value length): a positive integer, or `Infinity` for none. */
export function isLimit(value: unknown): value is number {
  return value === Infinity || (Number.isSafeInteger(value) && (value as number) > 0);
}

function checkBuckets(name: string, buckets: unknown): readonly number[] {
  if (!Array.isArray(buckets))
    throw new Error(invalidBucketsMessage(name, buckets, 'expected an array of numbers'));
  const bounds = [...buckets];
  // +Inf is always implied; accept it written out at the end.
  if (bounds.length > 0 && bounds[bounds.length - 1] === Infinity) bounds.pop();
  if (bounds.length === 0)
    throw new Error(invalidBucketsMessage(name, buckets, 'at least one finite bucket is needed'));
  for (let i = 0; i < bounds.length; i++) {
    const bound = bounds[i];
    if (typeof bound !== 'number' || !Number.isFinite(bound)) {
      throw new Error(
        invalidBucketsMessage(name, buckets, `${String(bound)} is not a finite number`),
      );
    }
    if (i > 0 && !(bound > bounds[i - 1])) {
      throw new Error(
        invalidBucketsMessage(
          name,
          buckets,
          `bounds must be strictly increasing (${bounds[i - 1]} then ${bound})`,
        ),
      );
    }
  }
  // The shared copy: most histograms use the same few bucket lists.
  return BucketLayout.of(bounds).bounds;
}

export function sameShape(a: MetricShape, b: MetricShape): boolean {
  return (
    a.kind === b.kind &&
    a.vec === b.vec &&
    a.help === b.help &&
    a.unit === b.unit &&
    a.maxSeries === b.maxSeries &&
    a.maxLabelValueLength === b.maxLabelValueLength &&
    sameList(a.labelNames, b.labelNames) &&
    sameList(a.buckets ?? [], b.buckets ?? []) &&
    a.constLabels.length === b.constLabels.length &&
    a.constLabels.every(([k, v], i) => b.constLabels[i][0] === k && b.constLabels[i][1] === v)
  );
}

/** Series of one family may come from several levels, but must agree on type, help and unit. */
export function sameFamily(a: MetricShape, b: MetricShape): boolean {
  return metricType(a.kind) === metricType(b.kind) && a.help === b.help && a.unit === b.unit;
}

export function describeShape(shape: MetricShape): string {
  const parts = [`help ${JSON.stringify(shape.help)}`];
  if (shape.vec) parts.push(`labels [${shape.labelNames.join(', ')}]`);
  if (shape.constLabels.length > 0) {
    parts.push(
      `constLabels {${shape.constLabels.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}}`,
    );
  }
  if (shape.buckets) parts.push(`buckets [${shape.buckets.join(', ')}]`);
  if (shape.unit) parts.push(`unit ${shape.unit}`);
  if (shape.maxSeries !== undefined) parts.push(`maxSeries ${shape.maxSeries}`);
  if (shape.maxLabelValueLength !== undefined)
    parts.push(`maxLabelValueLength ${shape.maxLabelValueLength}`);
  return `${shape.kind}${shape.vec ? '_vec' : ''} (${parts.join(', ')})`;
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
