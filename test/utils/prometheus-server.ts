import { PrometheusProcess } from './prometheus-process';

export interface ScrapeTarget {
  job: string;
  /** `127.0.0.1:port` */
  address: string;
}

/** A real Prometheus server on loopback that scrapes the given targets every second. */
export class PrometheusServer {
  private constructor(private readonly process: PrometheusProcess) {}

  static async start(binary: string, targets: ScrapeTarget[]): Promise<PrometheusServer> {
    const jobs = targets
      .map((t) => `  - job_name: ${t.job}\n    static_configs:\n      - targets: ['${t.address}']`)
      .join('\n');
    const config = `global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\nscrape_configs:\n${jobs}\n`;
    return new PrometheusServer(await PrometheusProcess.start(binary, config));
  }

  get url(): string {
    return this.process.url;
  }

  /** The active targets as Prometheus reports them. */
  async targets(): Promise<{ labels: { job: string }; health: string; lastError: string }[]> {
    return (await this.process.targets()).map(({ job, health, lastError }) => ({
      labels: { job },
      health,
      lastError,
    }));
  }

  /** An instant query, as `{ labels, value }` rows. */
  async query(promql: string): Promise<{ labels: Record<string, string>; value: string }[]> {
    return (await this.process.query(promql)).rows;
  }

  /** Polls `condition` every 200 ms until it holds, for at most `timeoutMs`. */
  waitFor(condition: () => Promise<boolean>, what: string, timeoutMs?: number): Promise<void> {
    return this.process.waitFor(condition, what, timeoutMs);
  }

  stop(): Promise<void> {
    return this.process.stop();
  }
}
