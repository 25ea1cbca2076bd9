import { setFlagsFromString } from 'node:v8';
import { runInNewContext, runInThisContext } from 'node:vm';
import type { LoggerService } from '@nestjs/common';
import type { MetricsLogger } from '../../lib';

// Jest gives each test file a copy of `process` whose listeners never hear from Node: the
// 'unhandledRejection' and 'warning' events go to Node's own object, reached from its context.
const nodeProcess = runInThisContext('process') as NodeJS.Process;

/** What the process reported while a {@link watchProcess} watch was on. */
export interface ProcessWatch {
  readonly rejections: unknown[];
  readonly warnings: Error[];
  /** Removes the listeners. */
  stop(): void;
}

/**
 * The warnings this run told Node not to show (`--disable-warning=ExperimentalWarning`, which
 * `npm test` passes because jest's ES module loader is one): Node still emits them as events.
 */
const disabledWarnings = new Set(
  [...nodeProcess.execArgv, ...(nodeProcess.env.NODE_OPTIONS ?? '').split(/\s+/)]
    .filter((flag) => flag.startsWith('--disable-warning='))
    .map((flag) => flag.slice('--disable-warning='.length)),
);

/** Records unhandled rejections and process warnings (not those disabled) until `stop()`. */
export function watchProcess(): ProcessWatch {
  const rejections: unknown[] = [];
  const warnings: Error[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  const onWarning = (warning: Error & { code?: string }) => {
    if (disabledWarnings.has(warning.name) || disabledWarnings.has(warning.code ?? '')) return;
    warnings.push(warning);
  };
  nodeProcess.on('unhandledRejection', onRejection);
  nodeProcess.on('warning', onWarning);
  return {
    rejections,
    warnings,
    stop() {
      nodeProcess.off('unhandledRejection', onRejection);
      nodeProcess.off('warning', onWarning);
    },
  };
}

let gc: (() => void) | undefined;

/** `heapUsed` after full garbage collections (`--expose-gc` turned on at run time). */
export function heapUsedAfterGc(): number {
  if (!gc) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  // Twice: objects with finalizers or weak references are freed by the second pass.
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Samples `heapUsed` every `everyMs` until `stop()`, which returns the highest value seen. */
export function sampleHeapPeak(everyMs = 25): { stop(): number } {
  let peak = process.memoryUsage().heapUsed;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().heapUsed);
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().heapUsed);
    },
  };
}

/** One message given to a {@link RecordingLogger}. */
export interface LogEntry {
  level: 'error' | 'warn' | 'fatal';
  context: string | undefined;
  message: string;
}

/**
 * A Nest logger (`createNestApplication(…, { logger })`) that counts errors and warnings by
 * context and keeps those of the contexts in `keep` (Nest logs every exception a handler throws
 * under `ExceptionsHandler`: kept, thousands of stacks would weigh on a heap measurement).
 * `metrics` is a `MetricsLogger` for the module's `logger` option: its warnings count under
 * `metrics-core`, and are kept.
 */
export class RecordingLogger implements LoggerService {
  readonly entries: LogEntry[] = [];
  readonly counts = new Map<string, number>();
  readonly metrics: MetricsLogger = {
    warn: (message) => this.record('warn', message, ['metrics-core']),
  };
  private readonly keep: Set<string>;

  constructor(keep: string[] = ['DynamoMetrics']) {
    this.keep = new Set([...keep, 'metrics-core']);
  }

  /** What was kept from `context` (the library logs under `DynamoMetrics`). */
  from(context: string): LogEntry[] {
    return this.entries.filter((entry) => entry.context === context);
  }

  /** Forgets everything. */
  clear(): void {
    this.entries.length = 0;
    this.counts.clear();
  }

  log(): void {}
  debug(): void {}
  verbose(): void {}
  error(message: unknown, ...rest: unknown[]): void {
    this.record('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.record('warn', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.record('fatal', message, rest);
  }

  private record(level: LogEntry['level'], message: unknown, rest: unknown[]): void {
    const last = rest.length > 0 ? rest[rest.length - 1] : undefined;
    const context = typeof last === 'string' ? last : undefined;
    const key = `${level}:${context}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (context === undefined || !this.keep.has(context)) return;
    this.entries.push({
      level,
      context,
      message: message instanceof Error ? (message.stack ?? message.message) : String(message),
    });
  }
}
