// Error and log texts of the system status server and the scrape's protection.

const show = (value: unknown) =>
  typeof value === 'string' ? `'${value}'` : (JSON.stringify(value) ?? String(value));

export const invalidHealthStatusMessage = (status: unknown) =>
  `Invalid health status ${show(status)}: use 'ready' or 'notready'`;

export const invalidPortMessage = (source: string, value: unknown) =>
  `Invalid ${source} ${show(value)}: use an integer from -1 (no system status server) to 65535 (0 picks a free port)`;

export const invalidWindowMessage = (value: unknown, max: number) =>
  `Invalid system.shutdownScrapeWindowMs ${show(value)}: use a number of milliseconds from 0 to ${max}`;

export const invalidPathMessage = (source: string, value: unknown) =>
  `Invalid ${source} ${show(value)}: use a path starting with '/', without '?', '#' or spaces, other than '/metrics'`;

export const invalidEndpointListMessage = (source: string, value: unknown) =>
  `Invalid ${source} ${show(value)}: use a JSON list of endpoint names, e.g. ["generate"]`;

export const invalidSettingMessage = (source: string, value: unknown, hint: string) =>
  `Invalid ${source}${value === undefined ? '' : ` ${show(value)}`}: ${hint}`;

export const deprecatedEnabledMessage = (value: string, portVariable: string) =>
  `DYN_SYSTEM_ENABLED=${value} is deprecated and ignored: ${portVariable} alone decides whether the system status server starts (-1: off)`;

export const listeningMessage = (url: string) => `System status server listening on ${url}`;

export const waitingForScrapeMessage = (url: string, ms: number) =>
  `Waiting up to ${formatSeconds(ms)} for a final scrape of ${url}/metrics before closing (system.shutdownScrapeWindowMs; Ctrl+C or another SIGINT/SIGTERM exits at once)`;

export const exitingOnSignalMessage = (signal: string) =>
  `${signal} while waiting for the final scrape: exiting now`;

const formatSeconds = (ms: number) => (ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`);

export const listenFailedMessage = (host: string, port: number, error: unknown) =>
  `The system status server could not listen on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`;

export const systemScrapeFailedMessage = (error: unknown) =>
  `Rendering the metrics for the system status server failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;

export const authorizeFailedMessage = (error: unknown) =>
  `The scrape's guard failed; the scrape was refused: ${error instanceof Error ? error.message : String(error)}`;

export const unknownRequiredEndpointMessage = (name: string, known: readonly string[]) =>
  `useEndpointHealthStatus lists '${name}', which no @DynamoEndpoint() has (${known.length ? known.join(', ') : 'none'}): the service stays notready until the app sets it ready through SystemHealth`;

export const emptyCredentialMessage = (variable: string) =>
  `${variable} is set but empty: it is ignored (set a value to protect /metrics, or unset it)`;

// The secret's value is never part of a message: only where it came from and what is wrong.

export const invalidSecretTypeMessage = (source: string, value: unknown) =>
  `Invalid ${source}: use a non-empty string, or leave it unset (got ${value === null ? 'null' : `a ${typeof value}`})`;

export const emptySecretMessage = (source: string) =>
  `Invalid ${source}: it is empty or only whitespace; use a non-empty string, or leave it unset`;

export const secretControlCharacterMessage = (source: string) =>
  `Invalid ${source}: it has a control character (such as a line break or a tab) inside; set it without one (whitespace around it is removed by itself; the value is not shown)`;

export const secretNotUnicodeMessage = (source: string) =>
  `Invalid ${source}: it is not well-formed Unicode (it has a lone surrogate), so it has no UTF-8 bytes a client could send; fix the string (the value is not shown)`;

export const userNameColonMessage = (source: string, username: string) =>
  `Invalid ${source} '${username}': a basic auth user name cannot contain ':'`;

export const guardTimedOutMessage = (ms: number) =>
  `The scrape's guard did not answer within ${ms} ms (collectTimeoutMs); the scrape was refused`;

export const notStartedMessage = 'Metrics are served once the app has started';
