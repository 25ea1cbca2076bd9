import { notAnIntegerMessage, notANumberMessage } from './core.messages';

/** A float gauge: one series. `set`, `inc`, `dec`, `add`, `sub`, `get`. */
export class Gauge {
  /** @internal */
  value = 0;

  /** @internal */
  constructor(
    readonly name: string,
    /** @internal */ readonly labelText: string,
  ) {}

  set(value: number): void {
    this.value = this.check(value);
  }

  /** Adds 1, or `value` when given. */
  inc(value?: number): void {
    if (value === undefined) this.value += 1;
    else this.value += this.check(value);
  }

  /** Subtracts 1, or `value` when given. */
  dec(value?: number): void {
    if (value === undefined) this.value -= 1;
    else this.value -= this.check(value);
  }

  add(value: number): void {
    this.value += this.check(value);
  }

  sub(value: number): void {
    this.value -= this.check(value);
  }

  get(): number {
    return this.value;
  }

  /** @internal */
  collectSeries(): readonly Gauge[] {
    return [this];
  }

  /** @internal */
  protected check(value: number): number {
    if (typeof value !== 'number' || value !== value) {
      throw new Error(notANumberMessage(this.name, value));
    }
    return value;
  }
}

/** An integer gauge: like {@link Gauge}, but values must be safe integers. */
export class IntGauge extends Gauge {
  /** @internal */
  protected override check(value: number): number {
    if (!Number.isSafeInteger(value)) throw new Error(notAnIntegerMessage(this.name, value));
    return value + 0; // -0 is not an integer value to show
  }
}
