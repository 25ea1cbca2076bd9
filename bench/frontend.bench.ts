// Frontend benchmark: what @DynamoFrontend() costs a streamed LLM response. A Nest server (its own
// process, bench/frontend-app.ts) streams 10,000 OpenAI chunks per request, as SSE (an Observable
// of MessageEvents) and as NDJSON (an async generator), each from a bare route (A) and from a
// @DynamoFrontend() one (B); this process reads the responses on loopback. Two floors compare the
// bare NDJSON route with routes that read the generator as @DynamoFrontend() does but record
// nothing, or only read the clock per chunk: what exact per-chunk timing costs at the least.
// Each round runs A B B A (the next B A A B) on the same server, so a slow phase of this shared
// machine hits both; medians, and the median of the per-round ratios, of wall-clock time and of
// the server's CPU time. Then plain text without newlines (what a plain-text LLM route streams),
// bare and @DynamoFrontend(), at two lengths: wall-clock time per response and server CPU time
// per chunk, which stays the same at both lengths when reading is linear. Then, in this process, the recording alone: ns per call of the handle's
// per-chunk methods, and (in a child process with a large young generation) the bytes they
// allocate.
//
//   npm run bench:frontend        BENCH_ROUNDS=31 BENCH_ADAPTERS=fastify npm run bench:frontend
//   BENCH_CASES=text BENCH_TEXT_CHUNKS=50000,100000 npm run bench:frontend   (only the text case)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { request, Agent } from 'node:http';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { DistributedRuntime } from '../lib/core';
import { FrontendMetrics } from '../lib/frontend';
import {
  dateLine,
  fixed,
  fullGc,
  int,
  machineLine,
  markdownTable,
  max,
  median,
  min,
  requireGc,
} from './bench-utils';

const ROUNDS = Math.max(5, Number(process.env.BENCH_ROUNDS ?? 21) || 21);
const WARMUP = 5;
const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 10_000);
const ALL_ADAPTERS = ['fastify', 'express'] as const;
const ADAPTERS = ALL_ADAPTERS.filter((a) =>
  (process.env.BENCH_ADAPTERS ?? a).split(',').includes(a),
);
/**
 * Each comparison streams from its bare route (A) and another route (B). The first two are
 * `@DynamoFrontend()`'s; the floors measure what reading an async iterable beside Nest costs by itself, with
 * nothing recorded, and with only the clock read that exact per-chunk timing needs.
 */
const ALL_COMPARISONS = [
  {
    key: 'sse',
    label: 'SSE (Observable)',
    bare: '/sse/bare',
    other: '/sse/frontend',
    instrumented: true,
  },
  {
    key: 'ndjson',
    label: 'NDJSON (async generator)',
    bare: '/ndjson/bare',
    other: '/ndjson/frontend',
    instrumented: true,
  },
  {
    key: 'ndjson-read',
    label: 'floor: NDJSON read beside Nest, nothing recorded',
    bare: '/ndjson/bare',
    other: '/ndjson/read',
    instrumented: false,
  },
  {
    key: 'ndjson-clock',
    label: 'floor: NDJSON read beside Nest + one clock read a chunk',
    bare: '/ndjson/bare',
    other: '/ndjson/clock',
    instrumented: false,
  },
] as const;
/** Which parts run (default all): the comparisons' keys, `text`, `recording` (in-process). */
const CASES = process.env.BENCH_CASES?.split(',');
const runs = (key: string) => CASES === undefined || CASES.includes(key);
const COMPARISONS = ALL_COMPARISONS.filter((c) => runs(c.key));
type Comparison = (typeof ALL_COMPARISONS)[number];
/** Chunks of `token ` per text response: two lengths, to show the cost per chunk stays flat. */
const TEXT_CHUNKS = (process.env.BENCH_TEXT_CHUNKS ?? '25000,50000')
  .split(',')
  .map(Number)
  .filter((n) => n > 0);
const TEXT_ROUTES = { bare: '/text/bare', frontend: '/text/frontend' } as const;
/** Calls per timing and allocation sample of the in-process part. */
const CALLS = 200_000;

/** `taskset` pinning: the server on the last core, this process on the others. */
const PIN =
  availableParallelism() >= 2 && !spawnSync('taskset', ['-V']).error
    ? { server: String(availableParallelism() - 1), client: `0-${availableParallelism() - 2}` }
    : undefined;

interface Server {
  child: ChildProcess;
  port: number;
}

function startServer(adapter: string): Promise<Server> {
  const command = [process.execPath, '--expose-gc', join(__dirname, 'frontend-app.js'), adapter];
  if (PIN) command.unshift('taskset', '-c', PIN.server);
  const child = spawn(command[0], command.slice(1), {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BENCH_CHUNKS: String(CHUNKS) },
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${adapter} server exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('PORT=')) resolve({ child, port: Number(line.slice(5)) });
    });
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/** Streams one response; returns [milliseconds until its last byte, bytes received]. */
function stream(port: number, path: string): Promise<[number, number]> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      { host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'content-length': 0 } },
      (res) => {
        if (res.statusCode !== 201) reject(new Error(`${path} answered ${res.statusCode}`));
        let bytes = 0;
        res.on('data', (chunk: Buffer) => (bytes += chunk.length));
        res.on('end', () => resolve([performance.now() - started, bytes]));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(text));
    })
      .on('error', reject)
      .end();
  });
}

/** Chunks per second: of wall-clock time, and of the server's CPU time. */
interface Rates {
  wall: number[];
  cpu: number[];
}

interface PathResult {
  adapter: string;
  comparison: Comparison;
  bare: Rates;
  frontend: Rates;
  wallRatios: number[];
  cpuRatios: number[];
}

/** One streamed response after a GC: [wall-clock ms, server CPU µs] it took. */
async function measure(port: number, route: string): Promise<[number, number]> {
  await get(port, '/gc');
  const cpuBefore = Number(await get(port, '/cpu'));
  const [ms] = await stream(port, route);
  return [ms, Number(await get(port, '/cpu')) - cpuBefore];
}

/** One streamed response: chunks per wall-clock second, and per second of server CPU time. */
async function sample(port: number, route: string): Promise<[number, number]> {
  const [ms, cpuMicros] = await measure(port, route);
  return [CHUNKS / (ms / 1000), CHUNKS / (cpuMicros / 1e6)];
}

/** One route of the text case: each response's wall ms and server CPU µs per chunk. */
interface TextSamples {
  ms: number[];
  cpuPerChunk: number[];
}

interface TextResult {
  adapter: string;
  chunks: number;
  bare: TextSamples;
  frontend: TextSamples;
  /** Per round: @DynamoFrontend's server CPU per chunk over the bare route's. */
  cpuRatios: number[];
}

/** Text without newlines, bare (A) and @DynamoFrontend() (B), interleaved A B B A / B A A B. */
async function benchText(port: number, adapter: string, chunks: number): Promise<TextResult> {
  const bare = `${TEXT_ROUTES.bare}?chunks=${chunks}`;
  const frontend = `${TEXT_ROUTES.frontend}?chunks=${chunks}`;
  for (let i = 0; i < WARMUP; i++) {
    for (const route of [bare, frontend]) {
      const [, bytes] = await stream(port, route);
      if (bytes !== chunks * 'token '.length) throw new Error(`${route} sent ${bytes} bytes`);
    }
  }
  const result: TextResult = {
    adapter,
    chunks,
    bare: { ms: [], cpuPerChunk: [] },
    frontend: { ms: [], cpuPerChunk: [] },
    cpuRatios: [],
  };
  for (let round = 0; round < ROUNDS; round++) {
    const [first, second] = round % 2 === 0 ? [bare, frontend] : [frontend, bare];
    const cpu: Record<string, number> = { [bare]: 0, [frontend]: 0 };
    for (const route of [first, second, second, first]) {
      const [ms, cpuMicros] = await measure(port, route);
      const samples = route === bare ? result.bare : result.frontend;
      samples.ms.push(ms);
      samples.cpuPerChunk.push(cpuMicros / chunks);
      cpu[route] += cpuMicros;
    }
    result.cpuRatios.push(cpu[frontend] / cpu[bare]);
  }
  return result;
}

async function benchHttp(adapter: string): Promise<{ paths: PathResult[]; text: TextResult[] }> {
  const server = await startServer(adapter);
  try {
    const results: PathResult[] = [];
    for (const comparison of COMPARISONS) {
      const bareRoute = comparison.bare;
      const frontendRoute = comparison.other;
      const bytes = new Set<number>();
      for (let i = 0; i < WARMUP; i++) {
        bytes.add((await stream(server.port, bareRoute))[1]);
        bytes.add((await stream(server.port, frontendRoute))[1]);
      }
      // Both routes send exactly the same bytes.
      if (bytes.size !== 1) throw new Error(`${comparison.key}: the two routes' bodies differ`);
      const result: PathResult = {
        adapter,
        comparison,
        bare: { wall: [], cpu: [] },
        frontend: { wall: [], cpu: [] },
        wallRatios: [],
        cpuRatios: [],
      };
      for (let round = 0; round < ROUNDS; round++) {
        // A B B A (then B A A B): a drift of the machine within the round cancels out.
        const [first, second] =
          round % 2 === 0 ? [bareRoute, frontendRoute] : [frontendRoute, bareRoute];
        const times: Record<string, [number, number][]> = { [bareRoute]: [], [frontendRoute]: [] };
        for (const route of [first, second, second, first]) {
          times[route].push(await sample(server.port, route));
        }
        // Chunks per second of the pair: 2 × CHUNKS over the sum of the two times.
        const pair = (list: [number, number][], i: 0 | 1) => 2 / (1 / list[0][i] + 1 / list[1][i]);
        const [bareWall, bareCpu] = [pair(times[bareRoute], 0), pair(times[bareRoute], 1)];
        const [frontendWall, frontendCpu] = [
          pair(times[frontendRoute], 0),
          pair(times[frontendRoute], 1),
        ];
        result.bare.wall.push(bareWall);
        result.bare.cpu.push(bareCpu);
        result.frontend.wall.push(frontendWall);
        result.frontend.cpu.push(frontendCpu);
        result.wallRatios.push(frontendWall / bareWall);
        result.cpuRatios.push(frontendCpu / bareCpu);
      }
      results.push(result);
    }
    const text: TextResult[] = [];
    if (runs('text')) {
      for (const chunks of TEXT_CHUNKS) text.push(await benchText(server.port, adapter, chunks));
    }
    // The instrumented routes really recorded: every chunk's token, every request (the text
    // routes' requests under `completions`, with no token: plain text has no chunk to count).
    const scrape = await get(server.port, '/metrics');
    const requests = COMPARISONS.filter((c) => c.instrumented).length * (WARMUP + 2 * ROUNDS);
    const textRequests = text.length * (WARMUP + 2 * ROUNDS);
    const counted = (endpoint: string, n: number) =>
      n === 0 ||
      new RegExp(
        `^dynamo_frontend_requests_total\\{endpoint="${endpoint}",error_type="",model="unknown_model",request_type="stream",status="success"\\} ${n}$`,
        'm',
      ).test(scrape);
    const tokens = new RegExp(
      `^dynamo_frontend_output_tokens_total\\{model="unknown_model"\\} ${requests * (CHUNKS - 1)}$`,
      'm',
    );
    if (
      !counted('chat_completions', requests) ||
      !counted('completions', textRequests) ||
      (requests > 0 && !tokens.test(scrape))
    ) {
      throw new Error(`the instrumented routes did not record as expected:\n${scrape}`);
    }
    return { paths: results, text };
  } finally {
    server.child.kill();
  }
}

// ---------------------------------------------------------------------------------------------
// The recording alone, in this process.

const chunk = {
  object: 'chat.completion.chunk',
  choices: [{ index: 0, delta: { content: ' token' }, finish_reason: null }],
};
let sink = 0;

// One request per case, started once: a run measures only the per-chunk calls.
const metrics = new FrontendMetrics(new DistributedRuntime({ uptime: false }), {}, { env: {} });
const tokensRequest = metrics.start('bench-llm', 'chat_completions', 'stream');
const chunkRequest = metrics.start('bench-llm', 'chat_completions', 'stream');

const cases: { name: string; run: (n: number) => number }[] = [
  {
    name: '`request.tokens(1)` (TTFT once, then ITL + output counter)',
    run: (n) => {
      const h = tokensRequest;
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) h.tokens(1);
      const ns = Number(process.hrtime.bigint() - t0);
      sink += h.outputTokenCount;
      return ns;
    },
  },
  {
    name: '`request.chunk(chatCompletionChunk)` (reads the chunk, then as above)',
    run: (n) => {
      const h = chunkRequest;
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) h.chunk(chunk);
      const ns = Number(process.hrtime.bigint() - t0);
      sink += h.outputTokenCount;
      return ns;
    },
  },
  {
    name: 'control: `performance.now()`',
    run: (n) => {
      const t0 = process.hrtime.bigint();
      let total = 0;
      for (let i = 0; i < n; i++) total += performance.now();
      const ns = Number(process.hrtime.bigint() - t0);
      sink += total > 0 ? 1 : 0;
      return ns;
    },
  },
];

/** An allocating control: one small object per call, kept reachable. */
const escape: { o: unknown } = { o: null };
const allocCases: { name: string; run: (n: number) => number }[] = [
  ...cases,
  {
    name: 'control: `escape.o = {a: i, b: i}`',
    run: (n) => {
      for (let i = 0; i < n; i++) escape.o = { a: i, b: i };
      return 0;
    },
  },
];

function timeRecording(): { name: string; ns: number[] }[] {
  const samples = cases.map((c) => ({ name: c.name, ns: [] as number[] }));
  for (const c of cases) for (let w = 0; w < 3; w++) c.run(CALLS);
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < cases.length; k++) {
      const index = (k + round) % cases.length;
      fullGc();
      samples[index].ns.push(cases[index].run(CALLS) / CALLS);
    }
  }
  return samples;
}

function measureAllocations(): { name: string; bytes: number }[] {
  requireGc();
  return allocCases.map(({ name, run }) => {
    for (let w = 0; w < 5; w++) run(CALLS);
    const perCall: number[] = [];
    for (let r = 0; r < 5; r++) {
      fullGc();
      const before = process.memoryUsage().heapUsed;
      run(CALLS);
      perCall.push((process.memoryUsage().heapUsed - before) / CALLS);
    }
    return { name, bytes: median(perCall) };
  });
}

function runAllocationChild(): { rows: { name: string; bytes: number }[]; flags: string[] } {
  const flags = ['--expose-gc', '--min-semi-space-size=64', '--max-semi-space-size=64'];
  const child = spawnSync(process.execPath, [...flags, __filename, '--alloc-child'], {
    encoding: 'utf8',
  });
  const line = child.stdout.split('\n').find((l) => l.startsWith('ALLOC '));
  if (child.status !== 0 || !line) {
    throw new Error(`allocation child failed (${child.status}): ${child.stderr || child.stdout}`);
  }
  return { rows: JSON.parse(line.slice(6)), flags };
}

/** The text case's two table rows: the bare route, then @DynamoFrontend() with its ratio. */
function textTableRows(result: TextResult): string[][] {
  const spread = (values: number[], digits: number) =>
    `${fixed(median(values), digits)} (${fixed(min(values), digits)}–${fixed(max(values), digits)})`;
  const row = (route: string, samples: TextSamples, vsBare: string) => [
    result.adapter,
    int(result.chunks),
    route,
    spread(samples.ms, 1),
    spread(samples.cpuPerChunk, 2),
    vsBare,
  ];
  return [
    row('bare', result.bare, ''),
    row('@DynamoFrontend()', result.frontend, spread(result.cpuRatios, 3)),
  ];
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  if (process.argv.includes('--alloc-child')) {
    console.log('ALLOC ' + JSON.stringify(measureAllocations()));
    console.log('sink ' + sink);
    return;
  }
  requireGc();
  if (PIN) spawnSync('taskset', ['-pc', PIN.client, String(process.pid)]);
  console.log('# nestjs-dynamo-metrics frontend benchmark\n');
  console.log(`- ${machineLine()}`);
  console.log(`- ${dateLine()}`);
  console.log(
    `- ${int(CHUNKS)} chat.completion.chunk events per response, POST on loopback, one keep-alive connection; ${ROUNDS} rounds after ${WARMUP} warm-up requests per route; bare (A) and @DynamoFrontend() or a floor route (B) interleaved A B B A, then B A A B, ... on one server process, which collects its garbage before each${PIN ? ` (server on CPU ${PIN.server}, client on CPU ${PIN.client})` : ''}; a round's rate of each is over its two responses, "ratio" the median of the per-round ratios. Chunks per second of wall-clock time, and per second of the server's CPU time (process.cpuUsage() before and after each response), which other work on a shared machine disturbs far less\n`,
  );

  const rows: string[][] = [];
  const textRows: string[][] = [];
  for (const adapter of ADAPTERS) {
    const { paths, text } = await benchHttp(adapter);
    for (const result of text) textRows.push(...textTableRows(result));
    for (const result of paths) {
      // Server CPU µs per chunk, per round, and what route B adds to bare's.
      const micros = (rates: Rates) => rates.cpu.map((rate) => 1e6 / rate);
      const [bare, other] = [micros(result.bare), micros(result.frontend)];
      const added = other.map((value, i) => value - bare[i]);
      rows.push([
        adapter,
        result.comparison.label,
        fixed(median(bare), 2),
        fixed(median(other), 2),
        `${fixed(median(added), 2)} (${fixed(min(added), 2)}–${fixed(max(added), 2)})`,
        `${fixed(median(result.cpuRatios.map((r) => 1 / r)), 3)}`,
        `${fixed(median(result.wallRatios), 3)} (${fixed(min(result.wallRatios), 3)}–${fixed(max(result.wallRatios), 3)})`,
      ]);
    }
  }
  if (rows.length > 0) {
    // No throughput target: exact per-chunk timing, as Dynamo keeps it, costs what it costs per
    // chunk; this reports that cost.
    console.log('## Streamed responses\n');
    console.log(
      markdownTable(
        [
          'adapter',
          'stream',
          'bare, server CPU µs/chunk',
          'B, server CPU µs/chunk',
          'B adds, µs/chunk (range)',
          'B ÷ bare, CPU',
          'B ÷ bare, chunks/s by wall clock (range)',
        ],
        rows,
        'llrrrrr',
      ),
    );
    console.log('');
  }
  if (textRows.length > 0) {
    console.log('## Text without newlines (a plain-text stream)\n');
    console.log(
      `${TEXT_CHUNKS.map(int).join(' and ')} chunks of \`token \` per response (an async generator of strings, sent as text/plain); per route ${2 * ROUNDS} responses after ${WARMUP} warm-up ones, interleaved as above. Per chunk, server CPU time of the whole response (Nest's writing included) over its chunks; "vs bare" the median (range) of the per-round ratios of @DynamoFrontend's server CPU time to the bare route's. Linear reading: the same CPU per chunk at both lengths.\n`,
    );
    console.log(
      markdownTable(
        [
          'adapter',
          'chunks',
          'route',
          'wall ms per response: median (range)',
          'server CPU µs per chunk: median (range)',
          'server CPU vs bare: median (range)',
        ],
        textRows,
        'lrlrrr',
      ) + '\n',
    );
  }
  if (!runs('recording')) {
    agent.destroy();
    return;
  }

  console.log('## The recording alone (this process)\n');
  console.log(
    markdownTable(
      ['call', 'ns per call (median)'],
      timeRecording().map(({ name, ns }) => [name, fixed(median(ns), 1)]),
      'lr',
    ) + '\n',
  );
  const alloc = runAllocationChild();
  console.log(
    markdownTable(
      ['call', 'bytes allocated per call (median of 5)'],
      alloc.rows.map(({ name, bytes }) => [name, fixed(bytes, 2)]),
      'lr',
    ),
  );
  console.log(
    `\nheapUsed after − before ${int(CALLS)} calls after a full GC, in a child process (\`node ${alloc.flags.join(' ')}\`), so no scavenge hides allocation. Node's clocks box their result: \`performance.now()\` allocates 16 bytes a call, the one read a chunk needs; the recording itself allocates nothing.`,
  );
  agent.destroy();
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
