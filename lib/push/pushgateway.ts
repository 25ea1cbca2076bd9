import { PROMETHEUS_CONTENT_TYPE } from '../core/core.constants';
import type { MetricsLogger } from '../core/interfaces/exposition.interface';
import type { RegistryLevel } from '../core/registry-level';
import { pushFailedMessage, pushRecoveredMessage } from './push.messages';

/** Where and how often to push to a Prometheus Pushgateway. */
export interface PushgatewayOptions {
  /** The Pushgateway's base URL, e.g. `http://pushgateway:9091`. */
  url: string;
  /** The `job` of the pushed group. */
  job: string;
  /** More labels of the group (e.g. `{ instance: 'batch-7' }`); values may contain `/`. */
  groupingKey?: Record<string, string>;
  /** Pushes every `intervalMs` while the app runs; `0` pushes only at shutdown. Default `0`. */
  intervalMs?: number;
  /** `PUT` replaces the whole group on each push, `POST` only the metrics pushed. Default `PUT`. */
  method?: 'PUT' | 'POST';
  /** Deletes the group at shutdown, after the last push was made, instead of leaving it. Default `false`. */
  deleteOnShutdown?: boolean;
  /** Extra request headers (e.g. `Authorization`). */
  headers?: Record<string, string>;
  /** How long one push may take, in ms. Default `5000`. */
  timeoutMs?: number;
}

/**
 * Pushes a runtime's scrape (the text format) to a Prometheus Pushgateway: on demand, every
 * `intervalMs` after {@link start}, and a last time at {@link stop}, for short-lived jobs that
 * Prometheus cannot scrape. A failed periodic push is logged (once until pushes work again) and
 * retried at the next interval.
 */
export class PushgatewayPusher {
  private readonly target: string;
  private timer: NodeJS.Timeout | undefined;
  private failing = false;
  /** The push in progress: pushes never overlap, the last one waits for it. */
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly level: RegistryLevel,
    private readonly options: PushgatewayOptions,
    private readonly logger: MetricsLogger = console,
  ) {
    this.target = groupUrl(options);
  }

  /** The group's URL: `<url>/metrics/job/<job>{/<label>/<value>}`. */
  get groupUrl(): string {
    return this.target;
  }

  /** Pushes the scrape once; rejects when the Pushgateway does not accept it. */
  push(): Promise<void> {
    const push = this.pending.then(() => this.send());
    this.pending = push.catch(() => undefined);
    return push;
  }

  /** Starts the periodic pushes (if `intervalMs` > 0). */
  start(): void {
    const interval = this.options.intervalMs ?? 0;
    if (interval <= 0 || this.timer) return;
    this.timer = setInterval(() => void this.pushLogged(), interval);
    // Pushing never keeps a process alive that is otherwise done.
    this.timer.unref();
  }

  /** Stops the periodic pushes, pushes a last time and, if asked, deletes the group. Never rejects. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    // The push with the final counts: its failure is always told, failing before or not.
    try {
      await this.push();
      if (this.failing) this.logger.warn(pushRecoveredMessage(this.target));
      this.failing = false;
    } catch (error) {
      this.logger.warn(pushFailedMessage(this.target, error));
    }
    if (this.options.deleteOnShutdown) {
      try {
        await this.request('DELETE');
      } catch (error) {
        this.logger.warn(pushFailedMessage(this.target, error));
      }
    }
  }

  private async pushLogged(): Promise<void> {
    try {
      await this.push();
      if (this.failing) this.logger.warn(pushRecoveredMessage(this.target));
      this.failing = false;
    } catch (error) {
      if (!this.failing) this.logger.warn(pushFailedMessage(this.target, error));
      this.failing = true;
    }
  }

  private async send(): Promise<void> {
    const body = await this.level.prometheusExpfmtBytes('prometheus');
    await this.request(this.options.method ?? 'PUT', body);
  }

  private async request(method: string, body?: Buffer): Promise<void> {
    const response = await fetch(this.target, {
      method,
      body,
      headers: {
        ...(body ? { 'content-type': PROMETHEUS_CONTENT_TYPE } : {}),
        ...this.options.headers,
      },
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${method} answered ${response.status}: ${text.trim()}`);
  }
}

/**
 * The Pushgateway's URL of a group. A value that is empty or contains `/` is written in its
 * base64url form (`<label>@base64/<value>`), as the Pushgateway requires.
 */
function groupUrl({ url, job, groupingKey = {} }: PushgatewayOptions): string {
  const segment = (label: string, value: string) =>
    // Base64 where a plain segment would not survive: empty, with '/', or '.' and '..' (URL
    // dot segments, which fetch resolves away).
    value === '' || value.includes('/') || value === '.' || value === '..'
      ? `${label}@base64/${Buffer.from(value).toString('base64url') || '='}`
      : `${label}/${encodeURIComponent(value)}`;
  const parts = [segment('job', job)];
  for (const [label, value] of Object.entries(groupingKey)) parts.push(segment(label, value));
  return `${url.replace(/\/+$/, '')}/metrics/${parts.join('/')}`;
}
