import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port';

export interface QueryResult {
  status: string;
  error?: string;
  resultType?: string;
  rows: { labels: Record<string, string>; value: string }[];
}

/**
 * A real Prometheus server on loopback with a temporary data directory, run with the config
 * text it is given (PrometheusServer builds one from scrape targets on top of this).
 */
export class PrometheusProcess {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly url: string,
    readonly configFile: string,
    private readonly log: () => string,
  ) {}

  /** `flags`: more command-line flags, e.g. `--enable-feature=exemplar-storage`. */
  static async start(
    binary: string,
    config: string,
    flags: readonly string[] = [],
  ): Promise<PrometheusProcess> {
    const dir = mkdtempSync(join(tmpdir(), 'prometheus-'));
    const configFile = join(dir, 'prometheus.yml');
    writeFileSync(configFile, config);
    const port = await freePort();
    const child = spawn(
      binary,
      [
        `--config.file=${configFile}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        ...flags,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let log = '';
    child.stdout!.on('data', (d) => (log += d));
    child.stderr!.on('data', (d) => (log += d));
    const server = new PrometheusProcess(
      child,
      dir,
      `http://127.0.0.1:${port}`,
      configFile,
      () => log,
    );
    await server.waitFor(
      async () => (await fetch(`${server.url}/-/ready`)).ok,
      'Prometheus to be ready',
    );
    return server;
  }

  /** An instant query through the HTTP API, with its status and error as Prometheus gives them. */
  async query(promql: string): Promise<QueryResult> {
    const response = await fetch(`${this.url}/api/v1/query?query=${encodeURIComponent(promql)}`);
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data?: {
        resultType: string;
        result: { metric: Record<string, string>; value: [number, string] }[];
      };
    };
    return {
      status: body.status,
      error: body.error,
      resultType: body.data?.resultType,
      rows: (body.data?.result ?? []).map((r) => ({ labels: r.metric, value: r.value[1] })),
    };
  }

  /** The exemplars of the series `promql` selects, stored between `start` and `end` (seconds). */
  async queryExemplars(
    promql: string,
    start: number,
    end: number,
  ): Promise<{ series: Record<string, string>; labels: Record<string, string>; value: string }[]> {
    const query = `query=${encodeURIComponent(promql)}&start=${start}&end=${end}`;
    const response = await fetch(`${this.url}/api/v1/query_exemplars?${query}`);
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data?: {
        seriesLabels: Record<string, string>;
        exemplars: { labels: Record<string, string>; value: string }[];
      }[];
    };
    if (body.status !== 'success') throw new Error(`query_exemplars(${promql}): ${body.error}`);
    return (body.data ?? []).flatMap((entry) =>
      entry.exemplars.map((e) => ({
        series: entry.seriesLabels,
        labels: e.labels,
        value: e.value,
      })),
    );
  }

  /** The values of `label` on series matching `selector` (what Grafana's label_values() asks). */
  async labelValues(label: string, selector?: string): Promise<string[]> {
    const match = selector ? `?match[]=${encodeURIComponent(selector)}` : '';
    const response = await fetch(`${this.url}/api/v1/label/${label}/values${match}`);
    const body = (await response.json()) as { status: string; data: string[]; error?: string };
    if (body.status !== 'success')
      throw new Error(`label_values(${selector}, ${label}): ${body.error}`);
    return body.data;
  }

  /** The pending and firing alerts: their labels and state. */
  async alerts(): Promise<{ labels: Record<string, string>; state: string }[]> {
    const body = (await (await fetch(`${this.url}/api/v1/alerts`)).json()) as {
      data: { alerts: { labels: Record<string, string>; state: string }[] };
    };
    return body.data.alerts.map((a) => ({ labels: a.labels, state: a.state }));
  }

  /** The active targets' job, health and last error. */
  async targets(): Promise<{ job: string; health: string; lastError: string }[]> {
    const body = (await (await fetch(`${this.url}/api/v1/targets`)).json()) as {
      data: { activeTargets: { labels: { job: string }; health: string; lastError: string }[] };
    };
    return body.data.activeTargets.map((t) => ({
      job: t.labels.job,
      health: t.health,
      lastError: t.lastError,
    }));
  }

  /** Polls `condition` every 200 ms until it holds, for at most `timeoutMs`. */
  async waitFor(
    condition: () => Promise<boolean>,
    what: string,
    timeoutMs = 20_000,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        if (await condition()) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline)
        throw new Error(`Timed out waiting for ${what}. Prometheus log:\n${this.log()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}
