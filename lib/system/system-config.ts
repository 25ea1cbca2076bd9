import { MAX_TIMEOUT_MS } from '../core/core.constants';
import type { HealthStatus } from './system-health';
import type {
  ScrapeCredentials,
  SystemServerOptions,
} from './interfaces/system-server-options.interface';
import {
  deprecatedEnabledMessage,
  emptyCredentialMessage,
  emptySecretMessage,
  invalidEndpointListMessage,
  invalidPathMessage,
  invalidPortMessage,
  invalidSettingMessage,
  invalidSecretTypeMessage,
  invalidWindowMessage,
  secretControlCharacterMessage,
  secretNotUnicodeMessage,
  userNameColonMessage,
} from './system.messages';

/** Dynamo's environment variables of the system status server. */
export const SYSTEM_ENV = {
  port: 'DYN_SYSTEM_PORT',
  host: 'DYN_SYSTEM_HOST',
  healthPath: 'DYN_SYSTEM_HEALTH_PATH',
  livePath: 'DYN_SYSTEM_LIVE_PATH',
  startingHealthStatus: 'DYN_SYSTEM_STARTING_HEALTH_STATUS',
  useEndpointHealthStatus: 'DYN_SYSTEM_USE_ENDPOINT_HEALTH_STATUS',
  enabled: 'DYN_SYSTEM_ENABLED',
} as const;

/** Environment variables of the scrape's credentials (this package's, not Dynamo's). */
export const CREDENTIALS_ENV = {
  bearerToken: 'DYNAMO_METRICS_BEARER_TOKEN',
  username: 'DYNAMO_METRICS_USERNAME',
  password: 'DYNAMO_METRICS_PASSWORD',
} as const;

/** Dynamo's defaults, and ours for what Dynamo does not have. */
export const SYSTEM_DEFAULTS = {
  port: -1,
  host: '0.0.0.0',
  healthPath: '/health',
  livePath: '/live',
  startingHealthStatus: 'notready' as HealthStatus,
  shutdownScrapeWindowMs: 10_000,
} as const;

/** The scrape path of the system status server (Dynamo's, fixed). */
export const SYSTEM_METRICS_PATH = '/metrics';

/** Every setting decided: options first, then the environment, then the defaults. */
export type SystemServerConfig = Required<SystemServerOptions>;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The system status server's settings from `options`, else Dynamo's environment variables, else
 * Dynamo's defaults. Throws on a value that is not valid, naming it and where it came from.
 */
export function resolveSystemConfig(
  options: SystemServerOptions = {},
  env: Env = process.env,
  warn: (message: string) => void = () => {},
): SystemServerConfig {
  if (env[SYSTEM_ENV.enabled] !== undefined)
    warn(deprecatedEnabledMessage(env[SYSTEM_ENV.enabled]!, SYSTEM_ENV.port));
  const setting = <K extends keyof typeof SYSTEM_ENV>(key: K) =>
    env[SYSTEM_ENV[key]] === undefined || env[SYSTEM_ENV[key]]!.trim() === ''
      ? undefined
      : env[SYSTEM_ENV[key]]!.trim();

  const port = options.port ?? parsePort(setting('port'));
  if (!Number.isInteger(port) || port < -1 || port > 65535)
    throw new Error(
      invalidPortMessage(options.port === undefined ? SYSTEM_ENV.port : 'system.port', port),
    );
  const startingHealthStatus =
    options.startingHealthStatus ?? parseStatus(setting('startingHealthStatus'));
  if (startingHealthStatus !== 'ready' && startingHealthStatus !== 'notready')
    throw new Error(
      invalidSettingMessage(
        'system.startingHealthStatus',
        startingHealthStatus,
        "use 'ready' or 'notready'",
      ),
    );
  const window = options.shutdownScrapeWindowMs ?? SYSTEM_DEFAULTS.shutdownScrapeWindowMs;
  // setTimeout fires at once (with a warning) beyond MAX_TIMEOUT_MS.
  if (typeof window !== 'number' || !(window >= 0 && window <= MAX_TIMEOUT_MS))
    throw new Error(invalidWindowMessage(window, MAX_TIMEOUT_MS));
  const pathOf = (key: 'healthPath' | 'livePath') =>
    checkPath(
      options[key] !== undefined ? `system.${key}` : SYSTEM_ENV[key],
      options[key] ?? setting(key) ?? SYSTEM_DEFAULTS[key],
    );
  return {
    port,
    host: options.host ?? setting('host') ?? SYSTEM_DEFAULTS.host,
    healthPath: pathOf('healthPath'),
    livePath: pathOf('livePath'),
    startingHealthStatus,
    useEndpointHealthStatus: checkEndpoints(
      options.useEndpointHealthStatus !== undefined
        ? 'system.useEndpointHealthStatus'
        : SYSTEM_ENV.useEndpointHealthStatus,
      options.useEndpointHealthStatus ?? parseEndpoints(setting('useEndpointHealthStatus')),
    ),
    shutdownScrapeWindowMs: window,
  };
}

/**
 * The scrape's credentials from `options`, else the environment; `undefined` when none are set.
 * Each secret is compared as clients send it: whitespace around it is removed (a trailing newline
 * of `$(cat file)` or `$'tok\n'` included), as it is around what a client sends; one with a control
 * character or a lone surrogate inside could never match and is refused, naming where it came
 * from. An option that is set must be a non-empty string (an empty secret would turn protection
 * off); an empty (or whitespace-only) variable counts as unset, with a warning.
 */
export function resolveCredentials(
  options: ScrapeCredentials = {},
  env: Env = process.env,
  warn: (message: string) => void = () => {},
): ScrapeCredentials | undefined {
  const sourceOf = (key: keyof ScrapeCredentials) =>
    options[key] !== undefined ? `auth.${key}` : CREDENTIALS_ENV[key];
  const pick = (key: keyof ScrapeCredentials) => {
    const option: unknown = options[key];
    const source = sourceOf(key);
    if (option !== undefined) {
      if (typeof option !== 'string') throw new Error(invalidSecretTypeMessage(source, option));
      const secret = option.trim();
      if (secret === '') throw new Error(emptySecretMessage(source));
      return checkSecret(source, secret);
    }
    const value = env[source]?.trim();
    if (value === '') warn(emptyCredentialMessage(source));
    return value === '' || value === undefined ? undefined : checkSecret(source, value);
  };
  const bearerToken = pick('bearerToken');
  const username = pick('username');
  const password = pick('password');
  if ((username === undefined) !== (password === undefined)) {
    const missing = username === undefined ? 'username' : 'password';
    throw new Error(
      invalidSettingMessage(
        `auth.${missing}`,
        undefined,
        `basic auth needs both a username and a password (option auth.${missing} or ${CREDENTIALS_ENV[missing]})`,
      ),
    );
  }
  if (username?.includes(':'))
    throw new Error(userNameColonMessage(sourceOf('username'), username));
  if (bearerToken === undefined && username === undefined) return undefined;
  return { bearerToken, username, password };
}

/** A trimmed secret, as long as a client can send it: no control characters, well-formed. */
function checkSecret(source: string, secret: string): string {
  if (hasControlCharacter(secret)) throw new Error(secretControlCharacterMessage(source));
  if (!secret.isWellFormed()) throw new Error(secretNotUnicodeMessage(source));
  return secret;
}

/** C0 controls and DEL: no HTTP header value carries them. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

function parsePort(raw: string | undefined): number {
  if (raw === undefined) return SYSTEM_DEFAULTS.port;
  if (!/^-?\d+$/.test(raw)) throw new Error(invalidPortMessage(SYSTEM_ENV.port, raw));
  return Number(raw);
}

function parseStatus(raw: string | undefined): HealthStatus {
  if (raw === undefined) return SYSTEM_DEFAULTS.startingHealthStatus;
  const status = raw.toLowerCase();
  if (status !== 'ready' && status !== 'notready')
    throw new Error(
      invalidSettingMessage(SYSTEM_ENV.startingHealthStatus, raw, "use 'ready' or 'notready'"),
    );
  return status;
}

function parseEndpoints(raw: string | undefined): readonly string[] {
  if (raw === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error(invalidEndpointListMessage(SYSTEM_ENV.useEndpointHealthStatus, raw));
  }
  if (!Array.isArray(parsed) || !parsed.every((name) => typeof name === 'string'))
    throw new Error(invalidEndpointListMessage(SYSTEM_ENV.useEndpointHealthStatus, raw));
  return parsed as string[];
}

function checkEndpoints(source: string, names: readonly string[]): readonly string[] {
  if (!Array.isArray(names) || !names.every((name) => typeof name === 'string' && name !== ''))
    throw new Error(invalidEndpointListMessage(source, names));
  return Object.freeze([...names]);
}

// A probe at the scrape's path would never be reached.
function checkPath(source: string, path: string): string {
  if (
    typeof path !== 'string' ||
    !path.startsWith('/') ||
    /[?#\s]/.test(path) ||
    path === SYSTEM_METRICS_PATH
  )
    throw new Error(invalidPathMessage(source, path));
  return path;
}
