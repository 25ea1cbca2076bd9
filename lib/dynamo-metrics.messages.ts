// Error and log texts of the Nest integration.

export const scrapeFailedMessage = (error: unknown) =>
  `Rendering the metrics failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
