import { DistributedRuntime, type DistributedRuntimeOptions } from '../../lib/core';

/** A logger whose `warn` is a jest mock. */
export function testLogger(): { warn: jest.Mock<void, [string]> } {
  return { warn: jest.fn<void, [string]>() };
}

/**
 * A runtime without the uptime gauge and without `worker_id` (so scrapes are exact and the same
 * in every process) and with a jest logger, so nothing reaches the console.
 */
export function quietRuntime(options: DistributedRuntimeOptions = {}) {
  const logger = testLogger();
  const drt = new DistributedRuntime({ uptime: false, workerId: false, logger, ...options });
  return { drt, logger };
}

/** Exposition text from lines: each line gets its `\n`. */
export function lines(...text: string[]): string {
  return text.map((line) => line + '\n').join('');
}
