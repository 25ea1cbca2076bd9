import type { HealthStatus } from '../system-health';

/**
 * The system status server: a second HTTP server for scrapes and probes, off the API port.
 * Each option falls back to Dynamo's environment variable, then to Dynamo's default.
 */
export interface SystemServerOptions {
  /** `DYN_SYSTEM_PORT`: `-1` off, `0` a random free port. Default `-1`. */
  port?: number;
  /** `DYN_SYSTEM_HOST`: the bind address. Default `0.0.0.0`. */
  host?: string;
  /** `DYN_SYSTEM_HEALTH_PATH`. Default `/health`. */
  healthPath?: string;
  /** `DYN_SYSTEM_LIVE_PATH`. Default `/live`. */
  livePath?: string;
  /** `DYN_SYSTEM_STARTING_HEALTH_STATUS`: the status until the app has started. Default `notready`. */
  startingHealthStatus?: HealthStatus;
  /** `DYN_SYSTEM_USE_ENDPOINT_HEALTH_STATUS` (a JSON list): endpoints that must all be ready. Default `[]`. */
  useEndpointHealthStatus?: readonly string[];
  /**
   * After the app's HTTP server closed, how long the server stays up for Prometheus's last
   * scrape; it closes as soon as a `GET /metrics` started since then was answered. Default
   * `10000` (ms, longer than Dynamo's 6 s scrape interval); `0` closes at once.
   */
  shutdownScrapeWindowMs?: number;
}

/**
 * Credentials `/metrics` requires (either kind is accepted when both are set). Whitespace around
 * each is removed, as around what clients send; one with a control character inside is refused at
 * start-up. Non-ASCII secrets are compared as the UTF-8 bytes clients send.
 */
export interface ScrapeCredentials {
  /** `Authorization: Bearer <token>`. Env `DYNAMO_METRICS_BEARER_TOKEN`. */
  bearerToken?: string;
  /** Basic auth user name. Env `DYNAMO_METRICS_USERNAME`. */
  username?: string;
  /** Basic auth password. Env `DYNAMO_METRICS_PASSWORD`. */
  password?: string;
}
