// Error and log texts of the Nest integration.

export const scrapeFailedMessage = (error: unknown) =>
  `Rendering the metrics failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;

export const requestScopedMessage = (className: string, methodName: string, decorator: string) =>
  `${className}.${methodName} has ${decorator} but ${className} is request-scoped, so it is not ` +
  `measured (make the class a singleton to measure it)`;

export const recordingFailedMessage = (error: unknown) =>
  `Recording request metrics failed; the request was not affected: ${error instanceof Error ? error.message : String(error)}`;

export const bornObjectsFailedMessage = (error: unknown) =>
  `Express: building a request or response with the app's prototypes failed (${error instanceof Error ? error.message : String(error)}), ` +
  'probably because something changed app.request or app.response after start-up. That request ' +
  "and every later one are built as Node builds them (counted as before, a little slower). Set the module's " +
  "replaceServerClasses: false to keep Node's classes from the start.";

export const invalidBooleanOptionMessage = (option: string, value: unknown) =>
  `Invalid ${option} option ${typeof value === 'string' ? JSON.stringify(value) : String(value)}: use true or false`;

export const exemplarsWithoutApiMessage =
  'exemplars: true, but @opentelemetry/api cannot be loaded: install it to get exemplars (none are recorded)';
