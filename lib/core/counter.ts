import { negativeIncrementMessage, notAnIntegerMessage } from './core.messages';

/** A float counter: one series. `inc()`, `incBy(v)`, `get()`. */
export class Counter {
  /** @internal */
  value = 0;

  /** @internal */
  constructor(
    readonly name: string,
    /** @internal */ readonly labelText: string,
  ) {}

  /** Adds 1, or `value` when given (must be finite and >= 0). */
  inc(value?: number): void {
    if (value === undefined) this.value += 1;
    else this.incBy(value);
  }

  /** Adds `value` (finite, >= 0). */
  incBy(value: number): void {
    if (typeof value !== 'number' || !(value >= 0 && value !== Infinity))
      throw new Error(negativeIncrementMessage(this.name, value));
    this.value += value;
  }

  get(): number {
    return this.value;
  }

  /** @internal */
  collectSeries(): readonly Counter[] {
    return [this];
  }
}

/** An integer counter: like {@link Counter}, but increments must be safe integers. */
export class IntCounter extends Counter {
  override incBy(value: number): void {
    if (!Number.isSafeInteger(value)) throw new Error(notAnIntegerMessage(this.name, value));
    if (value < 0) throw new Error(negativeIncrementMessage(this.name, value));
    this.value += value;
  }
}
