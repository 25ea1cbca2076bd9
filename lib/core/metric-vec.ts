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

/**
 * A metric with variable labels. `withLabelValues(...)` / `with({...})` return the bound child,
 * created on first use and cached: keep it and call it on the hot path. Once it holds `maxSeries`
 * children, new label sets get the one overflow child (every label `__overflow__`).
 */
export class MetricVec<S> {
  private readonly root: Node<S> = new Map();
  private size = 0;
  private sorted: S[] | null = null;
  /** Outside the maps and the count: the limit is exact, and the overflow child always fits. */
  private overflowChild: S | undefined;
  /** This metric's series of `dynamo_metrics_series_overflow_total`, from the first overflow on. */
  private overflowCount: Counter | undefined;

  /** @internal */
  constructor(
    readonly name: string,
    readonly labelNames: readonly string[],
    private readonly layout: LabelLayout,
    private readonly create: (labelText: string) => S,
    /** Children it holds before new label sets overflow (`Infinity`: no limit). */
    readonly maxSeries: number,
    /** Called once, at the first overflow: reports it and returns the counter of overflows. */
    private readonly onFull: (refused: readonly string[]) => Counter,
  ) {}

  /** The child for these label values, in the order of `labelNames`. */
  withLabelValues(...values: LabelValue[]): S {
    const strings = this.toStrings(values);
    const leaf = strings.length === 0 ? '' : strings[strings.length - 1];
    const child = this.parentOf(strings)?.get(leaf) as S | undefined;
    return child === undefined ? this.add(strings, leaf) : child;
  }

  /** The child for these labels, by name. */
  with(labels: Readonly<Record<string, LabelValue>>): S {
    return this.withLabelValues(...this.valuesOf(labels));
  }

  /** Forgets the child with these label values (the overflow child too); its series leaves the scrape. */
  remove(...values: LabelValue[]): boolean {
    const strings = this.toStrings(values);
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
  // nothing behind, not even an empty map.
  private add(strings: string[], leaf: string): S {
    if (isOverflowSet(strings)) return this.overflowSeries();
    if (this.size >= this.maxSeries) {
      (this.overflowCount ??= this.onFull(strings)).inc();
      return this.overflowSeries();
    }
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
    node.set(leaf, child);
    this.size++;
    this.sorted = null;
    return child;
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

/** Every value is `__overflow__` (and there is at least one). */
function isOverflowSet(strings: readonly string[]): boolean {
  return strings.length > 0 && strings.every((value) => value === OVERFLOW_LABEL_VALUE);
}

export type CounterVec = MetricVec<Counter>;
export type GaugeVec = MetricVec<Gauge>;
export type HistogramVec = MetricVec<Histogram>;
export type IntCounterVec = MetricVec<IntCounter>;
export type IntGaugeVec = MetricVec<IntGauge>;
