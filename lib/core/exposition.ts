import { ByteWriter } from './byte-writer';
import type { Counter } from './counter';
import { exemplarText } from './exemplar';
import { escapeHelp, escapeHelpOpenMetrics } from './exposition-text';
import type { Gauge } from './gauge';
import type { Histogram } from './histogram';
import type { ExpositionFormat } from './interfaces/exposition.interface';
import { metricType, type MetricType } from './metric-shape';
import type { ExternalFamily } from './prom-client-bridge';
import type { RegisteredMetric } from './registered-metric';
import { sampleNames } from './sample-names';

/** What the renderer needs of a level. Not exported from the package. */
export interface LevelView {
  readonly metrics: ReadonlyMap<string, RegisteredMetric>;
  readonly children: Iterable<LevelView>;
}

interface Family {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly unit?: string;
  readonly parts: RegisteredMetric[];
  readonly external?: ExternalFamily;
}

const NEWLINE = 10;
const SPACE = 32;
const COMMA = 44;
const OPEN = 123; // {
const CLOSE = 125; // }
/** Room for a number written by `ByteWriter.number`'s fast path, plus separators. */
const NUMBER_ROOM = 32;

/**
 * Renders a level and everything below it into `out`: families merged by name and sorted, series
 * of one level sorted by label values, levels depth-first in creation order (Dynamo's output).
 * An external family that would write a sample name already written is passed to `onClash`
 * (with the source that writes it, '' for this runtime) and left out. Not exported.
 */
export function renderExposition(
  out: ByteWriter,
  root: LevelView,
  format: ExpositionFormat,
  externals: readonly ExternalFamily[] = [],
  onClash: (family: ExternalFamily, owner: string) => void = () => {},
): void {
  const families = new Map<string, Family>();
  collect(root, families);
  if (externals.length > 0) {
    const taken = new Map<string, string>();
    for (const family of families.values()) {
      for (const sample of sampleNames(family.name, family.type)) taken.set(sample, '');
    }
    for (const external of externals) {
      const samples = sampleNames(external.name, external.type);
      const owner = samples.map((sample) => taken.get(sample)).find((o) => o !== undefined);
      if (owner !== undefined) {
        onClash(external, owner);
        continue;
      }
      for (const sample of samples) taken.set(sample, external.source);
      families.set(external.name, { ...external, parts: [], external });
    }
  }

  const openMetrics = format === 'openmetrics';
  for (const name of [...families.keys()].sort()) {
    const family = families.get(name)!;
    if (family.external) renderExternal(out, family.external, openMetrics);
    else renderFamily(out, family, openMetrics);
  }
}

function collect(level: LevelView, families: Map<string, Family>): void {
  for (const metric of level.metrics.values()) {
    const family = families.get(metric.name);
    if (family) family.parts.push(metric);
    else {
      const { help, unit, kind } = metric.shape;
      families.set(metric.name, {
        name: metric.name,
        type: metricType(kind),
        help,
        unit,
        parts: [metric],
      });
    }
  }
  for (const child of level.children) collect(child, families);
}

function header(
  out: ByteWriter,
  name: string,
  type: MetricType,
  help: string,
  unit: string | undefined,
  openMetrics: boolean,
): void {
  if (!openMetrics) {
    out.text(`# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`);
    return;
  }
  const omType = type === 'untyped' ? 'unknown' : type;
  out.text(`# HELP ${name} ${escapeHelpOpenMetrics(help)}\n# TYPE ${name} ${omType}\n`);
  if (unit) out.text(`# UNIT ${name} ${unit}\n`);
}

// OpenMetrics names a counter family without `_total` and its sample with it.
function counterNames(name: string, openMetrics: boolean): { family: string; sample: string } {
  if (!openMetrics) return { family: name, sample: name };
  const family = name.endsWith('_total') ? name.slice(0, -6) : name;
  return { family, sample: family + '_total' };
}

function renderFamily(out: ByteWriter, family: Family, openMetrics: boolean): void {
  const series = family.parts.map((part) => part.metric.collectSeries());
  // Empty families (a vec without children) are left out, as Dynamo's registry does.
  if (series.every((list) => list.length === 0)) return;
  const names =
    family.type === 'counter'
      ? counterNames(family.name, openMetrics)
      : { family: family.name, sample: family.name };
  header(out, names.family, family.type, family.help, family.unit, openMetrics);
  if (family.type === 'histogram') {
    // Names are ASCII (validated), encoded once per family rather than once per line.
    const lines: HistogramLines = {
      bucket: Buffer.from(family.name + '_bucket{'),
      sum: Buffer.from(family.name + '_sum'),
      count: Buffer.from(family.name + '_count'),
    };
    for (let p = 0; p < family.parts.length; p++) {
      renderHistograms(out, lines, family.parts[p], series[p] as readonly Histogram[], openMetrics);
    }
  } else {
    const sample = Buffer.from(names.sample);
    for (const list of series) renderValues(out, sample, list as readonly (Counter | Gauge)[]);
  }
}

function renderValues(out: ByteWriter, name: Buffer, series: readonly (Counter | Gauge)[]): void {
  for (let i = 0; i < series.length; i++) {
    const s = series[i];
    out.reserve(name.length + 3 * s.labelText.length + NUMBER_ROOM);
    out.bytes(name);
    if (s.labelText !== '') {
      out.byte(OPEN);
      out.unchecked(s.labelText);
      out.byte(CLOSE);
    }
    out.byte(SPACE);
    out.number(s.value);
    out.byte(NEWLINE);
  }
}

interface HistogramLines {
  readonly bucket: Buffer;
  readonly sum: Buffer;
  readonly count: Buffer;
}

// Each series: `name_bucket{labels,` is written once and copied for the other bucket lines.
function renderHistograms(
  out: ByteWriter,
  lines: HistogramLines,
  part: RegisteredMetric,
  series: readonly Histogram[],
  openMetrics: boolean,
): void {
  const leBytes = part.buckets!.leBytes;
  const negativeBuckets = part.buckets!.hasNegativeBound;
  let leRoom = 0;
  for (const le of leBytes) leRoom += le.length;
  for (let i = 0; i < series.length; i++) {
    const s = series[i];
    const labels = s.labelText;
    const lineRoom = lines.bucket.length + lines.count.length + 3 * labels.length + NUMBER_ROOM;
    const seriesRoom = leBytes.length * lineRoom + leRoom + 2 * lineRoom;
    out.reserve(seriesRoom);
    // Exemplars exist only in OpenMetrics: the text format is written as if there were none.
    const exemplars = openMetrics ? s.exemplars : undefined;

    const start = out.length;
    out.bytes(lines.bucket);
    const labelsAt = out.length;
    if (labels !== '') {
      out.unchecked(labels);
      out.byte(COMMA);
    }
    const labelsLength = out.length - labelsAt - (labels === '' ? 0 : 1);
    const prefixLength = out.length - start;
    const counts = s.counts;
    let cumulative = 0;
    for (let b = 0; b < counts.length; b++) {
      if (b > 0) out.repeat(start, prefixLength);
      cumulative += counts[b];
      out.bytes(leBytes[b]);
      out.number(cumulative);
      if (exemplars !== undefined && exemplars.labels[b] !== undefined) {
        const text = exemplarText(exemplars, b);
        // Room for the exemplar and, again, for the rest of the series.
        out.reserve(3 * text.length + seriesRoom);
        out.unchecked(text);
      }
      out.byte(NEWLINE);
    }
    // OpenMetrics allows _sum only without negative buckets and observations; _count goes with it.
    if (openMetrics && (negativeBuckets || s.sum < 0)) continue;
    sumOrCount(out, lines.sum, labelsAt, labelsLength);
    out.number(s.sum);
    out.byte(NEWLINE);
    sumOrCount(out, lines.count, labelsAt, labelsLength);
    out.number(s.count);
    out.byte(NEWLINE);
  }
}

function sumOrCount(out: ByteWriter, name: Buffer, labelsAt: number, labelsLength: number): void {
  out.bytes(name);
  if (labelsLength > 0) {
    out.byte(OPEN);
    out.repeat(labelsAt, labelsLength);
    out.byte(CLOSE);
  }
  out.byte(SPACE);
}

function renderExternal(out: ByteWriter, family: ExternalFamily, openMetrics: boolean): void {
  if (family.samples.length === 0) return;
  const names =
    family.type === 'counter'
      ? counterNames(family.name, openMetrics)
      : { family: family.name, sample: family.name };
  header(out, names.family, family.type, family.help, undefined, openMetrics);
  const omitSum = openMetrics && family.negative;
  for (const sample of family.samples) {
    const name = sample.metricName ?? names.sample;
    if (omitSum && (name === family.name + '_sum' || name === family.name + '_count')) continue;
    out.text(name);
    if (sample.labelText !== '') out.text(`{${sample.labelText}}`);
    out.text(' ');
    out.number(sample.value);
    out.text('\n');
  }
}
