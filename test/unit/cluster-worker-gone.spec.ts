import cluster, { type Worker } from 'node:cluster';
import { EventEmitter } from 'node:events';
import { ClusterMetrics } from '../../lib/cluster/cluster-metrics';
import { SCRAPE_RESPONSE } from '../../lib/cluster/cluster.constants';

// A worker the primary still lists as connected: answers with its text until its channel breaks.
class FakeWorker extends EventEmitter {
  channelOpen = true;
  constructor(
    readonly id: number,
    private readonly text: string,
  ) {
    super();
  }
  isConnected(): boolean {
    return true;
  }
  send(message: { id: number }, callback: (error: Error | null) => void): boolean {
    if (!this.channelOpen) {
      setImmediate(() => callback(new Error('write EPIPE')));
      return false;
    }
    setImmediate(() => {
      callback(null);
      this.emit('message', { type: SCRAPE_RESPONSE, id: message.id, text: this.text });
    });
    return true;
  }
}

const family = (value: number) =>
  `# HELP jobs_total Jobs\n# TYPE jobs_total counter\njobs_total ${value}\n`;

describe('the cluster scrape and a worker whose channel is closed', () => {
  const saved = cluster.workers;
  afterEach(() => ((cluster as { workers?: unknown }).workers = saved));

  it('leaves out a worker killed before its exit event arrived (no last answer kept)', async () => {
    const alive = new FakeWorker(1, family(2));
    const killed = new FakeWorker(2, family(5));
    (cluster as { workers?: Record<number, Worker> }).workers = {
      1: alive as unknown as Worker,
      2: killed as unknown as Worker,
    };
    const warnings: string[] = [];
    const metrics = new ClusterMetrics({ logger: { warn: (m: string) => warnings.push(m) } });
    expect(await metrics.scrape()).toBe(family(7));

    killed.channelOpen = false;
    expect(await metrics.scrape()).toBe(family(2));
    expect(warnings).toEqual([]);
  });
});
