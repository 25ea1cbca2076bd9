// Small helpers shared by the benchmarks: statistics, an interleaving runner, markdown tables.
import * as os from 'node:os';

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of an empty list');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function min(values: readonly number[]): number {
  return Math.min(...values);
}

export function max(values: readonly number[]): number {
  return Math.max(...values);
}

/** One contender: `sample()` takes one measurement (e.g. ns per call, ms per render). */
export interface BenchCase {
  readonly name: string;
  readonly sample: () => number | Promise<number>;
}

export interface CaseResult {
  readonly name: string;
  readonly samples: number[];
  readonly median: number;
}

/**
 * Runs the cases interleaved: every round takes one sample of each case, so a slow phase of a
 * shared machine hits all of them alike. The starting case rotates from round to round, so each
 * case takes each position equally often (round 0: A B C, round 1: B C A, ...). A full GC runs
 * before every sample (outside the measurement), so one case's garbage is not collected in
 * another case's time. `warmupRounds` are run first and thrown away (JIT warm-up).
 */
export async function interleave(
  cases: readonly BenchCase[],
  rounds: number,
  warmupRounds = 1,
): Promise<CaseResult[]> {
  const samples = cases.map(() => [] as number[]);
  for (let round = -warmupRounds; round < rounds; round++) {
    for (let k = 0; k < cases.length; k++) {
      const index = (k + Math.max(round, 0)) % cases.length;
      fullGc();
      const value = await cases[index].sample();
      if (round >= 0) samples[index].push(value);
    }
  }
  return cases.map((c, i) => ({ name: c.name, samples: samples[i], median: median(samples[i]) }));
}

/** Runs a full GC when node was started with `--expose-gc`. */
export function fullGc(): void {
  if (typeof globalThis.gc === 'function') {
    globalThis.gc();
    globalThis.gc();
  }
}

/** Throws unless node was started with `--expose-gc`. */
export function requireGc(): void {
  if (typeof globalThis.gc !== 'function') {
    throw new Error('run with node --expose-gc (npm run bench:core does)');
  }
}

/**
 * Picks an iteration count so that one sample of `run(n)` (which returns the elapsed ns of n
 * calls) takes about `targetMs`, never fewer than `minIterations`; rounded to a multiple of
 * 100,000.
 */
export function calibrate(
  run: (n: number) => number,
  targetMs: number,
  minIterations: number,
): number {
  let n = 100_000;
  run(n); // first taste for the JIT
  for (;;) {
    const ns = run(n);
    if (ns >= 10e6 || n >= 1e9) {
      const wanted = Math.ceil((((targetMs * 1e6) / ns) * n) / 100_000) * 100_000;
      return Math.max(wanted, minIterations);
    }
    n *= 4;
  }
}

/** A markdown table with padded columns; `align` is 'l' or 'r' per column. */
export function markdownTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  align?: string,
): string {
  const widths = headers.map((h, c) =>
    Math.max(h.length, 3, ...rows.map((row) => (row[c] ?? '').length)),
  );
  const cell = (text: string, c: number) =>
    align?.[c] === 'r' ? text.padStart(widths[c]) : text.padEnd(widths[c]);
  const line = (cells: readonly string[]) =>
    '| ' + cells.map((text, c) => cell(text, c)).join(' | ') + ' |';
  const rule =
    '| ' +
    widths
      .map((w, c) => (align?.[c] === 'r' ? '-'.repeat(w - 1) + ':' : '-'.repeat(w)))
      .join(' | ') +
    ' |';
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/** `1234567` -> `1,234,567`. */
export function int(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** A number with `digits` decimals (thousands separated). */
export function fixed(value: number, digits: number): string {
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** A ratio as `12.3×`. */
export function times(value: number): string {
  return (value >= 100 ? fixed(value, 0) : value >= 10 ? fixed(value, 1) : fixed(value, 2)) + '×';
}

/** CPU model, core count, node version, OS. */
export function machineLine(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model?.trim() || 'unknown CPU';
  return `${model}, ${cpus.length} cores, Node ${process.version}, ${os.type()} ${os.release()} ${os.arch()}`;
}

/** Today's date and time, UTC. */
export function dateLine(): string {
  return new Date()
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');
}
