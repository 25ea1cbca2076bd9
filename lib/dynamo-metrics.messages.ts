// Error and log texts of the Nest integration.

export const scrapeFailedMessage = (error: unknown) =>
  `Rendering the metrics failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;

export const requestScopedMessage = (className: string, methodName: string) =>
  `${className}.${methodName} has @DynamoEndpoint() but ${className} is request-scoped; ` +
  `its requests are not measured (make the controller a singleton to measure them)`;

export const recordingFailedMessage = (error: unknown) =>
  `Recording request metrics failed; the request was not affected: ${error instanceof Error ? error.message : String(error)}`;
