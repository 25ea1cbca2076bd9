import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../utils/free-port';
import { realTool } from '../utils/real-tools';
import { sampleValue } from '../utils/scrape';

// A real cluster: a primary process with two worker processes, each a Nest app on the built
// package (dist/, which `npm test` builds first).
const fixtures = join(process.cwd(), 'test/fixtures');
const promtool = realTool('promtool', 'apt-get install prometheus');

interface Cluster {
  primary: ChildProcess;
  metricsUrl: string;
  appPort: number;
  /** pid by worker id */
  workers: Map<number, number>;
  /** The worker_id of each worker's series, by worker id, as the workers answer (none when off). */
  workerIds: Map<number, string>;
  log: () => string;
}

/** `workerId`: the workers' `workerId` option, `false` or their default (each its process's id). */
async function startCluster(workerId: 'default' | false): Promise<Cluster> {
  const appPort = await freePort();
  const primary = spawn(process.execPath, [join(fixtures, 'cluster-primary.mjs')], {
    env: { ...process.env, APP_PORT: String(appPort), WORKER_ID: workerId || 'off' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let log = '';
  primary.stderr!.on('data', (chunk) => (log += chunk));
  const workers = new Map<number, number>();
  const metricsUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the cluster did not start:\n${log}`)), 30_000);
    primary.once('exit', (code) => reject(new Error(`the primary exited with ${code}:\n${log}`)));
    createInterface({ input: primary.stdout! }).on('line', (line) => {
      const worker = /^WORKER=(\d+):(\d+)$/.exec(line);
      if (worker) workers.set(Number(worker[1]), Number(worker[2]));
      if (!line.startsWith('METRICS=')) return;
      clearTimeout(timer);
      resolve(line.slice('METRICS='.length));
    });
  });
  return { primary, metricsUrl, appPort, workers, workerIds: new Map(), log: () => log };
}

async function stopCluster(cluster: Cluster): Promise<void> {
  if (cluster.primary.exitCode !== null) return;
  const exited = new Promise((resolve) => cluster.primary.once('exit', resolve));
  cluster.primary.kill('SIGTERM');
  await exited;
}

/** One request on a new connection (the cluster spreads connections over the workers). */
function get(port: number, path: string): Promise<{ worker: number; workerId: string | null }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve(JSON.parse(body)));
    });
    req.on('error', reject);
    req.end();
  });
}

async function scrape(cluster: Cluster): Promise<{ status: number; text: string }> {
  const response = await fetch(`${cluster.metricsUrl}/metrics`);
  return { status: response.status, text: await response.text() };
}

/** Sends `count` requests to `/work`, adding what each worker served to `served`. */
async function work(cluster: Cluster, count: number, served: Map<number, number>): Promise<void> {
  for (let i = 0; i < count; i++) {
    const { worker, workerId } = await get(cluster.appPort, '/work');
    served.set(worker, (served.get(worker) ?? 0) + 1);
    if (workerId !== null) cluster.workerIds.set(worker, workerId);
  }
}

const endpoint = (name: string) => ({
  dynamo_namespace: 'dynamo',
  dynamo_component: 'backend',
  dynamo_endpoint: name,
});
const lines = (text: string, metric: string) =>
  text.split('\n').filter((line) => line.startsWith(metric + '{'));

describe('a 2-worker cluster with workerId: false: one scrape on the primary', () => {
  let cluster: Cluster;
  /** Requests to /work each worker served, over the whole suite. */
  const served = new Map<number, number>();
  beforeAll(async () => {
    cluster = await startCluster(false);
  }, 40_000);
  afterAll(() => stopCluster(cluster));

  it('sums counters, histograms and inflight over the workers, keeps the oldest uptime', async () => {
    await work(cluster, 20, served);
    expect([...served.keys()].sort()).toEqual([1, 2]);
    const slow = [get(cluster.appPort, '/slow?ms=600'), get(cluster.appPort, '/slow?ms=600')];
    await new Promise((resolve) => setTimeout(resolve, 300));
    const during = await scrape(cluster);
    expect(during.status).toBe(200);
    // Both slow requests inflight, whichever workers serve them.
    expect(sampleValue(during.text, 'dynamo_component_inflight_requests', endpoint('slow'))).toBe(
      2,
    );
    await Promise.all(slow);

    const { status, text } = await scrape(cluster);
    expect(status).toBe(200);
    const at = endpoint('work');
    expect(sampleValue(text, 'dynamo_component_requests_total', at)).toBe(20);
    expect(sampleValue(text, 'dynamo_component_request_duration_seconds_count', at)).toBe(20);
    expect(
      sampleValue(text, 'dynamo_component_request_duration_seconds_bucket', { ...at, le: '+Inf' }),
    ).toBe(20);
    expect(sampleValue(text, 'dynamo_component_inflight_requests', at)).toBe(0);
    expect(sampleValue(text, 'dynamo_component_requests_total', endpoint('slow'))).toBe(2);
    expect(sampleValue(text, 'dynamo_component_inflight_requests', endpoint('slow'))).toBe(0);
    // One series per label set: nothing tells the workers apart.
    expect(lines(text, 'dynamo_component_requests_total')).toHaveLength(2);
    expect(text).toMatch(/^dynamo_component_uptime_seconds \d/m);
    expect(text).toContain('# TYPE dynamo_component_request_duration_seconds histogram\n');
    expect(text).not.toContain('worker_id');
  });

  (promtool ? it : it.skip)(
    'serves a merged scrape that promtool accepts, in both formats',
    async () => {
      const { text } = await scrape(cluster);
      const check = spawnSync(promtool!, ['check', 'metrics'], { input: text, encoding: 'utf8' });
      expect(check.stdout + check.stderr).toBe('');
      expect(check.status).toBe(0);
      const openMetrics = await fetch(`${cluster.metricsUrl}/metrics`, {
        headers: { accept: 'application/openmetrics-text; version=1.0.0' },
      });
      expect(openMetrics.headers.get('content-type')).toBe(
        'application/openmetrics-text; version=1.0.0; charset=utf-8',
      );
      const body = await openMetrics.text();
      expect(body).toContain('# TYPE dynamo_component_requests counter\n');
      expect(body.endsWith('# EOF\n')).toBe(true);
    },
  );

  it('leaves a worker that died out of the scrape, and the scrape still answers', async () => {
    await work(cluster, 10, served);
    const [victim, pid] = [...cluster.workers][1];
    process.kill(pid, 'SIGKILL');
    const { status, text } = await scrape(cluster);
    expect(status).toBe(200);
    // Only what the survivor counted is left: the dead worker's counts died with it.
    const survivor = [...cluster.workers.keys()].find((id) => id !== victim)!;
    expect(served.get(survivor)).toBeGreaterThan(0);
    expect(sampleValue(text, 'dynamo_component_requests_total', endpoint('work'))).toBe(
      served.get(survivor),
    );
    expect(sampleValue(text, 'dynamo_component_requests_total', endpoint('slow'))).toBeLessThan(3);
  });
});

describe('a 2-worker cluster by default: one scrape on the primary, each worker under its own id', () => {
  let cluster: Cluster;
  const served = new Map<number, number>();
  beforeAll(async () => {
    cluster = await startCluster('default');
  }, 40_000);
  afterAll(() => stopCluster(cluster));
  const idOf = (worker: number) => cluster.workerIds.get(worker)!;
  const of = (worker: number) => ({ ...endpoint('work'), worker_id: idOf(worker) });

  it("keeps every worker's series apart, each with exactly what that worker served", async () => {
    await work(cluster, 15, served);
    expect(served.size).toBe(2);
    // Each worker process drew its own id.
    const ids = [...served.keys()].map(idOf);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(new Set(ids).size).toBe(2);
    const { text } = await scrape(cluster);
    for (const [worker, count] of served) {
      expect(sampleValue(text, 'dynamo_component_requests_total', of(worker))).toBe(count);
      expect(sampleValue(text, 'dynamo_component_request_duration_seconds_count', of(worker))).toBe(
        count,
      );
      expect(
        sampleValue(text, 'dynamo_component_request_duration_seconds_bucket', {
          ...of(worker),
          le: '+Inf',
        }),
      ).toBe(count);
      expect(sampleValue(text, 'dynamo_component_inflight_requests', of(worker))).toBe(0);
      expect(
        sampleValue(text, 'dynamo_component_requests_total', {
          ...endpoint('slow'),
          worker_id: idOf(worker),
        }),
      ).toBe(0);
      expect(
        sampleValue(text, 'dynamo_component_uptime_seconds', { worker_id: idOf(worker) }),
      ).toBeGreaterThan(0);
    }
    // Two endpoints on each of two workers; one uptime per worker; no series without an id.
    expect(lines(text, 'dynamo_component_requests_total')).toHaveLength(4);
    expect(lines(text, 'dynamo_component_uptime_seconds')).toHaveLength(2);
    const series = text.split('\n').filter((line) => line.startsWith('dynamo_component_'));
    expect(series.length).toBeGreaterThan(0);
    for (const line of series) expect(line).toMatch(/worker_id="[0-9a-f]{16}"/);
    const seen = new Set(series.map((line) => /worker_id="([0-9a-f]{16})"/.exec(line)![1]));
    expect([...seen].sort()).toEqual([...ids].sort());
  });

  it('counts a live worker that does not answer in time with its last answer (no fake reset)', async () => {
    const [stopped, pid] = [...cluster.workers][0];
    const other = [...cluster.workers.keys()].find((id) => id !== stopped)!;
    // Its last answer, before it stops.
    expect(
      sampleValue((await scrape(cluster)).text, 'dynamo_component_requests_total', of(stopped)),
    ).toBe(served.get(stopped));
    process.kill(pid, 'SIGSTOP');
    try {
      const started = Date.now();
      const { status, text } = await scrape(cluster);
      expect(status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
      expect(sampleValue(text, 'dynamo_component_requests_total', of(other))).toBe(
        served.get(other),
      );
      expect(sampleValue(text, 'dynamo_component_requests_total', of(stopped))).toBe(
        served.get(stopped),
      );
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    const { text } = await scrape(cluster);
    expect(sampleValue(text, 'dynamo_component_requests_total', of(stopped))).toBe(
      served.get(stopped),
    );
    expect(cluster.log()).toContain(
      `Cluster worker ${stopped} did not answer the metrics scrape: it did not answer within 1000 ms. Its last answer counts until it answers again.`,
    );
  });

  it('leaves out a worker that died', async () => {
    const [victim, pid] = [...cluster.workers][1];
    process.kill(pid, 'SIGKILL');
    const { status, text } = await scrape(cluster);
    expect(status).toBe(200);
    expect(text).not.toContain(`worker_id="${idOf(victim)}"`);
    const survivor = [...cluster.workers.keys()].find((id) => id !== victim)!;
    expect(sampleValue(text, 'dynamo_component_requests_total', of(survivor))).toBe(
      served.get(survivor),
    );
  });
});
