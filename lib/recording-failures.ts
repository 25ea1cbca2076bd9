import type { Logger } from '@nestjs/common';
import { recordingFailedMessage } from './dynamo-metrics.messages';

/**
 * Reports a failure to record a request's metrics: the first one is logged, later ones are not
 * (recording runs per request and must never flood the log). Not exported from the package.
 */
export function firstFailureReporter(logger: Logger): (error: unknown) => void {
  let logged = false;
  return (error) => {
    if (logged) return;
    logged = true;
    logger.error(recordingFailedMessage(error));
  };
}
