// Log texts of the Pushgateway pushes.

export const pushFailedMessage = (url: string, error: unknown) =>
  `Pushing the metrics to ${url} failed (retried at the next push): ${error instanceof Error ? error.message : String(error)}`;

export const pushRecoveredMessage = (url: string) => `Pushing the metrics to ${url} works again`;
