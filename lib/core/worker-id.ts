import { randomBytes } from 'node:crypto';
import { invalidWorkerIdMessage } from './core.messages';

/** Where the process's id is kept: every copy of the package in the process (CJS and ESM) shares it. */
const PROCESS_WORKER_ID = Symbol.for('nestjs-dynamo-metrics.workerId');

/**
 * This process's `worker_id`, which every runtime that sets no `workerId` carries: 64 random bits
 * as 16 lower-case hex digits, drawn once per process (a cluster worker has its own).
 */
export function defaultWorkerId(): string {
  const holder = globalThis as { [PROCESS_WORKER_ID]?: string };
  return (holder[PROCESS_WORKER_ID] ??= randomBytes(8).toString('hex'));
}

/**
 * The `worker_id` a runtime's `workerId` option gives: the process's id when `undefined`, none
 * for `false`, numbers and bigints in lower-case hex, strings as given. Not exported from the
 * package.
 */
export function resolveWorkerId(value: unknown): string | undefined {
  if (value === undefined) return defaultWorkerId();
  if (value === false) return undefined;
  if (typeof value === 'string' && value.length > 0) return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0)
    return value.toString(16);
  if (typeof value === 'bigint' && value >= 0n) return value.toString(16);
  throw new Error(invalidWorkerIdMessage(value));
}
