/// <reference types="node" preserve="true" />
import { formatNumber } from './exposition-text';

const INITIAL_CAPACITY = 64 * 1024;

/** After this many texts in a row that used under a quarter of the buffer, it shrinks. */
const SHRINK_AFTER = 4;

/**
 * Builds exposition text as UTF-8 bytes in one buffer. A scrape of thousands of series written
 * with `+=` is a rope of hundreds of thousands of pieces that the GC keeps copying and that must
 * be flattened again before it is sent; bytes are written once.
 *
 * The runtime keeps one writer and its buffer between scrapes: for a 20 MB scrape, fresh memory
 * (page faults) and growing by doubling each cost as much as the render itself. The buffer is
 * about the size of the largest recent scrape, memory every scrape needs at its peak anyway.
 * Not exported from the package.
 */
export class ByteWriter {
  private buffer = Buffer.allocUnsafe(INITIAL_CAPACITY);
  private position = 0;
  private ascii = true;
  private smallTexts = 0;

  /** Starts a new text. */
  reset(): void {
    const used = this.position;
    this.smallTexts = used < this.buffer.length / 4 ? this.smallTexts + 1 : 0;
    if (this.smallTexts >= SHRINK_AFTER && this.buffer.length > INITIAL_CAPACITY) {
      this.buffer = Buffer.allocUnsafe(Math.max(INITIAL_CAPACITY, used * 2));
      this.smallTexts = 0;
    }
    this.position = 0;
    this.ascii = true;
  }

  get length(): number {
    return this.position;
  }

  /** Makes room for `bytes` more bytes. */
  reserve(bytes: number): void {
    const needed = this.position + bytes;
    if (needed <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = Buffer.allocUnsafe(capacity);
    this.buffer.copy(grown, 0, 0, this.position);
    this.buffer = grown;
  }

  /** Writes a string of any content (reserving room for it). */
  text(text: string): void {
    this.reserve(text.length * 3);
    this.unchecked(text);
  }

  /** Writes a string; the caller has reserved `3 × text.length` bytes. */
  unchecked(text: string): void {
    const written = this.buffer.write(text, this.position, 'utf8');
    if (written !== text.length) this.ascii = false;
    this.position += written;
  }

  /** Writes bytes; the caller has reserved room. */
  bytes(bytes: Uint8Array): void {
    this.buffer.set(bytes, this.position);
    this.position += bytes.length;
  }

  /** Writes one byte (an ASCII character code); the caller has reserved room. */
  byte(code: number): void {
    this.buffer[this.position++] = code;
  }

  /** Writes again `length` bytes already written at `start`; the caller has reserved room. */
  repeat(start: number, length: number): void {
    this.buffer.copyWithin(this.position, start, start + length);
    this.position += length;
  }

  /** Writes a number as `formatNumber` does; counts without making a string. */
  number(value: number): void {
    if (value >= 0 && value < 1e15 && Number.isInteger(value) && !Object.is(value, -0)) {
      this.reserve(16);
      const buffer = this.buffer;
      if (value < 10) {
        buffer[this.position++] = 48 + value;
        return;
      }
      let digits = 1;
      for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
      let at = this.position + digits;
      this.position = at;
      for (let rest = value; rest > 0; rest = Math.floor(rest / 10))
        buffer[--at] = 48 + (rest % 10);
      return;
    }
    this.text(formatNumber(value));
  }

  /** A copy of the bytes written. */
  toBuffer(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.position));
  }

  toString(): string {
    return this.buffer.toString(this.ascii ? 'latin1' : 'utf8', 0, this.position);
  }
}
