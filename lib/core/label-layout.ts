import { compareUtf8, labelText } from './exposition-text';

/** A label value as users pass it; numbers are written as in the scrape (`formatNumber`), booleans as `true`/`false`. */
export type LabelValue = string | number | boolean;

/**
 * The label order of one metric, worked out once at creation: fixed pairs (auto and const labels)
 * merged with the variable label names, sorted by name. Building a series' text then only fills in
 * the variable values. Not exported from the package.
 */
export class LabelLayout {
  private readonly slots: readonly { name: string; fixed?: string; index: number }[];
  /** Indices of the variable labels in label-name order: the order Dynamo sorts series by. */
  readonly sortOrder: readonly number[];

  constructor(
    fixedPairs: readonly (readonly [string, string])[],
    variableNames: readonly string[],
  ) {
    const slots: { name: string; fixed?: string; index: number }[] = [
      ...fixedPairs.map(([name, value]) => ({ name, fixed: value, index: -1 })),
      ...variableNames.map((name, index) => ({ name, index })),
    ];
    slots.sort((a, b) => compareUtf8(a.name, b.name));
    this.slots = slots;
    this.sortOrder = slots.filter((slot) => slot.fixed === undefined).map((slot) => slot.index);
  }

  /** The label text of the series with these variable values (already strings). */
  build(values: readonly string[]): string {
    const pairs: [string, string][] = [];
    for (const slot of this.slots) {
      pairs.push([slot.name, slot.fixed ?? values[slot.index]]);
    }
    return labelText(pairs);
  }

  /** Orders two series of one metric by their variable values, in label-name order. */
  compare(a: readonly string[], b: readonly string[]): number {
    for (const i of this.sortOrder) {
      const c = compareUtf8(a[i], b[i]);
      if (c !== 0) return c;
    }
    return 0;
  }
}
