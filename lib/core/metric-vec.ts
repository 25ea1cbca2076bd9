import {
  invalidLabelValueMessage,
  labelCountMessage,
  missingLabelMessage,
  unknownLabelMessage,
} from './core.messages';
import { OVERFLOW_LABEL_VALUE } from './core.constants';
import type { Counter, IntCounter } from './counter';
import { formatNumber } from './exposition-text';
import type { Gauge, IntGauge } from './gauge';
import type { Histogram } from './histogram';
import type { LabelLayout, LabelValue } from './label-layout';

// Children live in nested maps, one level per label, so no key is ever built from the values.
type Node<S> = Map<string, Node<S> | S>;

/** Why a label set went to the overflow series. Not exported from the package. */
export type OverflowReason = 'limit' | 'length' | 'reserved';

/** How a vec reports its overflows to its runtime. Not exported from the package. */
export interface OverflowSink {
  /** The vec's series of `dynamo_metrics_series_overflow_total`. */
  counter(): Counter;
  /** Logs the first overflow of one kind: the refused values and the label at fault (-1: none). */
  warn(reason: OverflowReason, refused: readonly string[], label: number): void;
}

const REASON_BIT: Readonly<Record<OverflowReason, number>> = { limit: 1, length: 2, reserved: 4 };

/**
 * A metric with variable labels. `withLabelValues(...)` / `with({...})` return the bound child,
 * created on first use and cached: keep it and call it on the hot path. A label set goes to the
 * one overflow child (every label `__overflow__`) instead of a child of its own when the vec
 * holds `maxSeries` children, when a value is longer than `maxLabelValueLength`, or when a value
 * is `__overflow__` itself. Lone surrogates in values are replaced by U+FFFD first, as the UTF-8
 * scrape writes them, so label sets that render alike are one series.
 */
export class MetricVec<S> {
  private readonly root: Node<S> = new Map();
  private size = 0;
  private sorted: S[] | null = null;
  /** Outside the maps and the count: the limit is exact, and the overflow child always fits. */
  private overflowChild: S | undefined;
  /** This metric's series of `dynamo_metrics_series_overflow_total`, from the first overflow on. */
  private overflowCount: Counter | undefined;
  /** The overflow reasons already warned about (`REASON_BIT`s). */
  private warned = 0;

  /** @internal */
  constructor(
    readonly name: string,
    readonly labelNames: readonly string[],
    private readonly layout: LabelLayout,
    private readonly create: (labelText: string) => S,
    /** Children it holds before new label sets overflow (`Infinity`: no limit). */
    readonly maxSeries: number,
    /** The longest label value it takes, in UTF-16 code units (`Infinity`: no limit). */
    readonly maxLabelValueLength: number,
    private readonly sink: OverflowSink,
  ) {}

  // Every key in the maps is well-formed, short enough and not reserved, so a lookup with any
  // other value misses and is dealt with in `add`: the hot path checks nothing.
  /** The child for these label values, in the order of `labelNames`. */
  withLabelValues(...values: LabelValue[]): S {
    const strings = this.toStrings(values);
    const leaf = strings.length === 0 ? '' : strings[strings.length - 1];
    const child = this.parentOf(strings)?.get(leaf) as S | undefined;
    return child === undefined ? this.add(strings, -1) : child;
  }

  /**
   * `withLabelValues` where `__overflow__` as the value of label `marked` is the caller's own
   * overflow mark (the frontend's model label), not a value to refuse. @internal
   */
  withOverflowMark(marked: number, ...values: string[]): S {
    const leaf = values.length === 0 ? '' : values[values.length - 1];
    const child = this.parentOf(values)?.get(leaf) as S | undefined;
    return child === undefined ? this.add(values, marked) : child;
  }

  /** Counts one lookup its caller sent to an overflow series (the frontend's model overflow). @internal */
  countOverflow(): void {
    (this.overflowCount ??= this.sink.counter()).inc();
  }

  /** Whether `child` is this vec's overflow child. @internal */
  isOverflowChild(child: S): boolean {
    return child === this.overflowChild;
  }

  /** The child for these labels, by name. */
  with(labels: Readonly<Record<string, LabelValue>>): S {
    return this.withLabelValues(...this.valuesOf(labels));
  }

  /** Forgets the child with these label values (the overflow child too); its series leaves the scrape. */
  remove(...values: LabelValue[]): boolean {
    const strings = this.toStrings(values);
    makeWellFormed(strings);
    if (isOverflowSet(strings)) {
      if (this.overflowChild === undefined) return false;
      this.overflowChild = undefined;
      this.sorted = null;
      return true;
    }
    // The maps on the path, so that the ones left empty can be dropped too.
    const path: Node<S>[] = [this.root];
    for (let i = 0; i < strings.length - 1; i++) {
      const next = path[i].get(strings[i]) as Node<S> | undefined;
      if (next === undefined) return false;
      path.push(next);
    }
    const leaf = strings.length === 0 ? '' : strings[strings.length - 1];
    if (!path[path.length - 1].delete(leaf)) return false;
    for (let i = path.length - 1; i > 0 && path[i].size === 0; i--)
      path[i - 1].delete(strings[i - 1]);
    this.size--;
    this.sorted = null;
    return true;
  }

  /** Forgets every child. */
  reset(): void {
    this.root.clear();
    this.size = 0;
    this.overflowChild = undefined;
    this.sorted = null;
  }

  /** Number of children, the overflow child included. */
  get seriesCount(): number {
    return this.overflowChild === undefined ? this.size : this.size + 1;
  }

  /** @internal */
  collectSeries(): readonly S[] {
    if (this.sorted === null) {
      const found: { values: string[]; series: S }[] = [];
      this.collect(this.root, [], found);
      if (this.overflowChild !== undefined) {
        found.push({ values: this.overflowValues(), series: this.overflowChild });
      }
      found.sort((a, b) => this.layout.compare(a.values, b.values));
      this.sorted = found.map((entry) => entry.series);
    }
    return this.sorted;
  }

  private collect(node: Node<S>, path: string[], out: { values: string[]; series: S }[]): void {
    const leafDepth = path.length >= this.labelNames.length - 1;
    for (const [key, value] of node) {
      const values = [...path, key];
      if (leafDepth) out.push({ values, series: value as S });
      else this.collect(value as Node<S>, values, out);
    }
  }

  /** The map that holds the child for these values, if there is one. */
  private parentOf(strings: readonly string[]): Node<S> | undefined {
    let node: Node<S> | undefined = this.root;
    for (let i = 0; i < strings.length - 1 && node !== undefined; i++) {
      node = node.get(strings[i]) as Node<S> | undefined;
    }
    return node;
  }

  // Off the hot path: runs only for a label set the vec does not hold. A refused set leaves
  // nothing behind, not even an empty map. `marked`: the label whose `__overflow__` is the
  // caller's mark (-1: none).
  private add(strings: string[], marked: number): S {
    for (let i = 0; i < strings.length; i++) {
      if (strings[i].length > this.maxLabelValueLength) return this.refuse('length', strings, i);
    }
    // Lone surrogates are written as U+FFFD: the set may be held under the values as written.
    if (makeWellFormed(strings)) {
      const leaf = strings.length === 0 ? '' : strings[strings.length - 1];
      const child = this.parentOf(strings)?.get(leaf) as S | undefined;
      if (child !== undefined) return child;
    }
    for (let i = 0; i < strings.length; i++) {
      if (strings[i] === OVERFLOW_LABEL_VALUE && i !== marked)
        return this.refuse('reserved', strings, i);
    }
    // Only a caller's mark gets here: the overflow label set itself is the overflow child.
    if (isOverflowSet(strings)) return this.overflowSeries();
    if (this.size >= this.maxSeries) return this.refuse('limit', strings, -1);
    let node = this.root;
    for (let i = 0; i < strings.length - 1; i++) {
      let next = node.get(strings[i]) as Node<S> | undefined;
      if (next === undefined) {
        next = new Map();
        node.set(strings[i], next);
      }
      node = next;
    }
    const child = this.create(this.layout.build(strings));
    node.set(strings.length === 0 ? '' : strings[strings.length - 1], child);
    this.size++;
    this.sorted = null;
    return child;
  }

  /** Sends a lookup to the overflow child: counted every time, warned once per reason. */
  private refuse(reason: OverflowReason, strings: readonly string[], label: number): S {
    const bit = REASON_BIT[reason];
    if ((this.warned & bit) === 0) {
      this.warned |= bit;
      this.sink.warn(reason, strings, label);
    }
    this.countOverflow();
    return this.overflowSeries();
  }

  // Asking for the overflow label set itself gets the overflow child, never a second series
  // with the same labels.
  private overflowSeries(): S {
    if (this.overflowChild === undefined) {
      this.overflowChild = this.create(this.layout.build(this.overflowValues()));
      this.sorted = null;
    }
    return this.overflowChild;
  }

  private overflowValues(): string[] {
    return this.labelNames.map(() => OVERFLOW_LABEL_VALUE);
  }

  // Converts in place: `values` is the rest array of the call, ours to reuse.
  private toStrings(values: LabelValue[]): string[] {
    if (values.length !== this.labelNames.length) {
      throw new Error(labelCountMessage(this.name, this.labelNames, values.length));
    }
    for (let i = 0; i < values.length; i++) {
      const value: unknown = values[i];
      if (typeof value === 'string') continue;
      if (typeof value === 'number') values[i] = formatNumber(value);
      else if (typeof value === 'boolean') values[i] = String(value);
      else throw new Error(invalidLabelValueMessage(this.labelNames[i], value));
    }
    return values as string[];
  }

  private valuesOf(labels: Readonly<Record<string, LabelValue>>): LabelValue[] {
    for (const key of Object.keys(labels)) {
      if (!this.labelNames.includes(key)) {
        throw new Error(unknownLabelMessage(this.name, key, this.labelNames));
      }
    }
    return this.labelNames.map((label) => {
      const value = Object.hasOwn(labels, label) ? labels[label] : undefined;
      if (value === undefined) throw new Error(missingLabelMessage(this.name, label));
      return value;
    });
  }
}

/** Replaces lone surrogates in place, as the UTF-8 output does; true when a value changed. */
function makeWellFormed(strings: string[]): boolean {
  let changed = false;
  for (let i = 0; i < strings.length; i++) {
    if (!strings[i].isWellFormed()) {
      strings[i] = strings[i].toWellFormed();
      changed = true;
    }
  }
  return changed;
}

/** Every value is `__overflow__` (and there is at least one). */
function isOverflowSet(strings: readonly string[]): boolean {
  return strings.length > 0 && strings.every((value) => value === OVERFLOW_LABEL_VALUE);
}

export type CounterVec = MetricVec<Counter>;
export type GaugeVec = MetricVec<Gauge>;
export type HistogramVec = MetricVec<Histogram>;
export type IntCounterVec = MetricVec<IntCounter>;
export type IntGaugeVec = MetricVec<IntGauge>;
