// HTTP benchmark: a hello-world route, bare / with @DynamoEndpoint (with the server's classes
// replaced, the default, and with `replaceServerClasses: false`) / with the usual
// @willsoto/nestjs-prometheus interceptor, on Express and Fastify. Each server runs in its own
// process; wrk (Debian package `wrk`) loads them on loopback in interleaved rounds (rotating
// order) and the medians are compared, of requests per second and of the server's CPU time per
// request (from /proc, where there is one). Every round starts fresh processes (two processes of the
// same app differ by up to 10% here, by JIT and memory layout alone), and where `taskset` and
// two cores exist the servers run on one core and wrk on another, so they do not take turns.
//
//   npm run bench:http      BENCH_ROUNDS=7 BENCH_SECONDS=6 BENCH_SLICES=3 npm run bench:http
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { dateLine, machineLine, markdownTable, median } from './bench-utils';

const ROUNDS = Math.max(5, Number(process.env.BENCH_ROUNDS ?? 15) || 15);
const SECONDS = Math.max(2, Number(process.env.BENCH_SECONDS ?? 4) || 4);
/** Each variant's SECONDS per round, in this many slices (wrk takes whole seconds). */
const SLICES = Math.min(SECONDS, Math.max(1, Number(process.env.BENCH_SLICES ?? 4) || 4));
const SLICE_SECONDS = Math.floor(SECONDS / SLICES);
const CONNECTIONS = 32;
const ALL_ADAPTERS = ['fastify', 'express'] as const;
/** BENCH_ADAPTERS=express runs one adapter. */
const ADAPTERS = ALL_ADAPTERS.filter((a) =>
  (process.env.BENCH_ADAPTERS ?? a).split(',').includes(a),
);
const ALL_VARIANTS = [
  'bare',
  'instrumented',
  'node-classes',
  'no-exemplars',
  'traced',
  'traced-no-exemplars',
  'willsoto',
  'born',
  'module',
] as const;
/**
 * BENCH_VARIANTS=bare,instrumented,module compares others (bare is always the base).
 * 'node-classes' is instrumented with `replaceServerClasses: false`, 'no-exemplars' with
 * `exemplars: false`; 'traced' and 'traced-no-exemplars' serve every request in a sampled
 * OpenTelemetry span, with exemplars on and off. 'born' is the bare app with
 * its requests and responses built with Express's prototypes, as `@DynamoEndpoint()` has its
 * server do (Express only).
 */
const VARIANTS = ALL_VARIANTS.filter((v) =>
  (process.env.BENCH_VARIANTS ?? 'bare,instrumented,node-classes,willsoto,born')
    .split(',')
    .includes(v),
);
const variantsOf = (adapter: (typeof ALL_ADAPTERS)[number]) =>
  VARIANTS.filter((v) => v !== 'born' || adapter === 'express');
const TARGETS: Record<(typeof ALL_ADAPTERS)[number], number> = { fastify: 0.9, express: 0.95 };

/** `taskset` pinning: servers on the last core, wrk on the others (none with one core). */
const PIN =
  availableParallelism() >= 2 && !spawnSync('taskset', ['-V']).error
    ? { server: String(availableParallelism() - 1), wrk: `0-${availableParallelism() - 2}` }
    : undefined;

interface Server {
  adapter: (typeof ALL_ADAPTERS)[number];
  variant: (typeof ALL_VARIANTS)[number];
  child: ChildProcess;
  url: string;
}

function start(adapter: Server['adapter'], variant: Server['variant']): Promise<Server> {
  const command = [process.execPath, join(__dirname, 'http-app.js'), adapter, variant];
  if (PIN) command.unshift('taskset', '-c', PIN.server);
  const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${adapter}/${variant} exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('PORT=')) {
        resolve({
          adapter,
          variant,
          child,
          url: `http://127.0.0.1:${line.slice(5)}/hello`,
        });
      }
    });
  });
}

/** Clock ticks per second of /proc's CPU times. */
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout) || 100;

/** The CPU time a process has used so far, in µs (from /proc; NaN without it). */
function cpuMicros(pid: number): number {
  try {
    // The fields after the command's closing parenthesis; utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
  } catch {
    return NaN;
  }
}

/** One wrk run: requests per second and requests answered, after checking every one was a 2xx. */
function wrk(url: string, seconds: number): { rps: number; requests: number } {
  const command = ['wrk', '-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, url];
  if (PIN) command.unshift('taskset', '-c', PIN.wrk);
  const result = spawnSync(command[0], command.slice(1), { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`wrk failed: ${result.stderr || result.error}`);
  if (/Non-2xx|Socket errors/.test(result.stdout))
    throw new Error(`errors under load:\n${result.stdout}`);
  const match = /Requests\/sec:\s+([\d.]+)/.exec(result.stdout);
  const requests = /(\d+) requests in/.exec(result.stdout);
  if (!match || !requests) throw new Error(`no Requests/sec in wrk output:\n${result.stdout}`);
  return { rps: Number(match[1]), requests: Number(requests[1]) };
}

async function main(): Promise<void> {
  if (spawnSync('wrk', ['--version']).error) {
    throw new Error('wrk is not installed: apt-get install wrk');
  }
  const rps = new Map<string, number[]>();
  /** Server CPU µs per request, per round. */
  const cpu = new Map<string, number[]>();
  const key = (adapter: string, variant: string) => `${adapter}/${variant}`;
  for (let round = 0; round < ROUNDS; round++) {
    for (const adapter of ADAPTERS) {
      const group: Server[] = [];
      try {
        for (const variant of variantsOf(adapter)) group.push(await start(adapter, variant));
        for (const server of group) wrk(server.url, 2); // warm-up: JIT and connection pools
        // Short slices in turn (A B C A B C …), so that the machine's changes of pace fall on
        // every variant alike; a variant's figure for the round is the mean of its slices.
        const sums = new Map<Server, { rps: number; requests: number; cpu: number }>();
        for (let slice = 0; slice < SLICES; slice++) {
          for (let k = 0; k < group.length; k++) {
            const server = group[(k + round + slice) % group.length];
            const before = cpuMicros(server.child.pid!);
            const run = wrk(server.url, SLICE_SECONDS);
            const sum = sums.get(server) ?? { rps: 0, requests: 0, cpu: 0 };
            sum.rps += run.rps;
            sum.requests += run.requests;
            sum.cpu += cpuMicros(server.child.pid!) - before;
            sums.set(server, sum);
          }
        }
        const push = (map: Map<string, number[]>, server: Server, value: number) =>
          map.set(key(adapter, server.variant), [
            ...(map.get(key(adapter, server.variant)) ?? []),
            value,
          ]);
        for (const server of group) {
          const sum = sums.get(server)!;
          push(rps, server, sum.rps / SLICES);
          push(cpu, server, sum.cpu / sum.requests);
        }
      } finally {
        for (const server of group) server.child.kill();
      }
    }
  }

  // Each round's variants ran side by side: the ratio to bare is taken per round, then its median.
  const lines: string[] = [];
  const verdicts: string[] = [];
  for (const adapter of ADAPTERS) {
    const of = (variant: string) => rps.get(key(adapter, variant))!;
    const bare = of('bare');
    const ratioOf = (variant: string) => median(of(variant).map((value, i) => value / bare[i]));
    const cpuOf = (variant: string) => cpu.get(key(adapter, variant))!;
    const cpuRatios = (variant: string) =>
      cpuOf(variant).map((value, i) => value / cpuOf('bare')[i]);
    const range = (values: number[], digits: number) =>
      `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;
    for (const variant of variantsOf(adapter)) {
      const samples = of(variant);
      const hasCpu = cpuOf(variant).every(Number.isFinite);
      lines.push(
        [
          adapter,
          variant,
          Math.round(median(samples)).toLocaleString('en-US'),
          ratioOf(variant).toFixed(3),
          range(samples, 0),
          hasCpu ? median(cpuOf(variant)).toFixed(1) : 'n/a',
          hasCpu
            ? `${median(cpuRatios(variant)).toFixed(3)} (${range(cpuRatios(variant), 3)})`
            : 'n/a',
        ].join('\t'),
      );
    }
    /** The verdict on instrumented / base, with the spread of its per-round ratios. */
    const verdict = (base: string, note: string) => {
      const rounds = of('instrumented').map((value, i) => value / of(base)[i]);
      const ratio = median(rounds);
      const spread = `${Math.min(...rounds).toFixed(3)}–${Math.max(...rounds).toFixed(3)}`;
      return `${ratio >= TARGETS[adapter] ? 'PASS' : 'FAIL'} ${adapter}: instrumented / ${base} = ${ratio.toFixed(3)} (${note} ≥ ${TARGETS[adapter]}; rounds ${spread})`;
    };
    verdicts.push(verdict('bare', 'target'));
    if (rps.has(key(adapter, 'born'))) {
      // What recording costs on objects that keep their hidden classes: held to the same line.
      verdicts.push(verdict('born', "the recording's own cost, held to"));
    }
  }
  console.log('# nestjs-dynamo-metrics HTTP benchmark\n');
  console.log(`- ${machineLine()}`);
  console.log(`- ${dateLine()}`);
  console.log(
    `- hello-world GET, wrk -t1 -c${CONNECTIONS} on loopback, ${ROUNDS} rounds of fresh processes, each variant ${SLICES} × ${SLICE_SECONDS} s per round in turn (rotating order)${PIN ? `, servers on CPU ${PIN.server} and wrk on CPU ${PIN.wrk}` : ''}; medians, "vs bare" the median of the per-round ratios\n`,
  );
  console.log(
    markdownTable(
      [
        'adapter',
        'variant',
        'requests/s (median)',
        'vs bare (median)',
        'range',
        'server CPU µs/request (median)',
        'CPU vs bare (median, range)',
      ],
      lines.map((line) => line.split('\t')),
      'llrrrrr',
    ),
  );
  console.log('\n' + verdicts.join('\n'));
  // Every round's requests/s, to see the spread behind the medians.
  console.log('\nrequests/s per round:');
  for (const [name, samples] of rps) console.log(`${name}\t${samples.map(Math.round).join(' ')}`);
  console.log('\nserver CPU µs per request per round:');
  for (const [name, samples] of cpu)
    console.log(`${name}\t${samples.map((value) => value.toFixed(1)).join(' ')}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
