// HTTP benchmark: a hello-world route, bare / with @DynamoEndpoint / with the usual
// @willsoto/nestjs-prometheus interceptor, on Express and Fastify. Each server runs in its own
// process; wrk (Debian package `wrk`) loads them on loopback in interleaved rounds (rotating
// order) and the medians are compared.
//
//   npm run bench:http                 BENCH_ROUNDS=7 BENCH_SECONDS=5 npm run bench:http
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { dateLine, machineLine, markdownTable, median } from './bench-utils';

const ROUNDS = Math.max(5, Number(process.env.BENCH_ROUNDS ?? 6) || 6);
const SECONDS = Math.max(2, Number(process.env.BENCH_SECONDS ?? 4) || 4);
const CONNECTIONS = 32;
const ALL_ADAPTERS = ['fastify', 'express'] as const;
/** BENCH_ADAPTERS=express runs one adapter. */
const ADAPTERS = ALL_ADAPTERS.filter((a) =>
  (process.env.BENCH_ADAPTERS ?? a).split(',').includes(a),
);
const ALL_VARIANTS = ['bare', 'instrumented', 'willsoto', 'module'] as const;
/** BENCH_VARIANTS=bare,instrumented,module compares others (bare is always the base). */
const VARIANTS = ALL_VARIANTS.filter((v) =>
  (process.env.BENCH_VARIANTS ?? 'bare,instrumented,willsoto').split(',').includes(v),
);
const TARGETS: Record<(typeof ALL_ADAPTERS)[number], number> = { fastify: 0.9, express: 0.95 };

interface Server {
  adapter: (typeof ALL_ADAPTERS)[number];
  variant: (typeof ALL_VARIANTS)[number];
  child: ChildProcess;
  url: string;
  rps: number[];
}

function start(adapter: Server['adapter'], variant: Server['variant']): Promise<Server> {
  const child = spawn(process.execPath, [join(__dirname, 'http-app.js'), adapter, variant], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${adapter}/${variant} exited with ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('PORT=')) {
        resolve({
          adapter,
          variant,
          child,
          url: `http://127.0.0.1:${line.slice(5)}/hello`,
          rps: [],
        });
      }
    });
  });
}

/** Requests per second of one wrk run, after checking that every response was a 2xx. */
function wrk(url: string, seconds: number): number {
  const result = spawnSync('wrk', ['-t1', `-c${CONNECTIONS}`, `-d${seconds}s`, '--latency', url], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`wrk failed: ${result.stderr || result.error}`);
  if (/Non-2xx|Socket errors/.test(result.stdout))
    throw new Error(`errors under load:\n${result.stdout}`);
  const match = /Requests\/sec:\s+([\d.]+)/.exec(result.stdout);
  if (!match) throw new Error(`no Requests/sec in wrk output:\n${result.stdout}`);
  return Number(match[1]);
}

async function main(): Promise<void> {
  if (spawnSync('wrk', ['--version']).error) {
    throw new Error('wrk is not installed: apt-get install wrk');
  }
  const servers: Server[] = [];
  try {
    for (const adapter of ADAPTERS)
      for (const variant of VARIANTS) servers.push(await start(adapter, variant));
    for (const server of servers) wrk(server.url, 2); // warm-up: JIT and connection pools
    for (let round = 0; round < ROUNDS; round++) {
      for (const adapter of ADAPTERS) {
        const group = servers.filter((s) => s.adapter === adapter);
        for (let k = 0; k < group.length; k++) {
          const server = group[(k + round) % group.length];
          server.rps.push(wrk(server.url, SECONDS));
        }
      }
    }
  } finally {
    for (const server of servers) server.child.kill();
  }

  const lines: string[] = [];
  const verdicts: string[] = [];
  for (const adapter of ADAPTERS) {
    const of = (variant: string) =>
      servers.find((s) => s.adapter === adapter && s.variant === variant)!;
    const bare = median(of('bare').rps);
    for (const variant of VARIANTS) {
      const rps = of(variant).rps;
      lines.push(
        [
          adapter,
          variant,
          Math.round(median(rps)).toLocaleString('en-US'),
          (median(rps) / bare).toFixed(3),
          `${Math.round(Math.min(...rps))}–${Math.round(Math.max(...rps))}`,
        ].join('\t'),
      );
    }
    const ratio = median(of('instrumented').rps) / bare;
    verdicts.push(
      `${ratio >= TARGETS[adapter] ? 'PASS' : 'FAIL'} ${adapter}: instrumented / bare = ${ratio.toFixed(3)} (target ≥ ${TARGETS[adapter]})`,
    );
  }
  console.log('# nestjs-dynamo-metrics HTTP benchmark\n');
  console.log(`- ${machineLine()}`);
  console.log(`- ${dateLine()}`);
  console.log(
    `- hello-world GET, wrk -t1 -c${CONNECTIONS} -d${SECONDS}s on loopback, ${ROUNDS} interleaved rounds (rotating order), medians\n`,
  );
  console.log(
    markdownTable(
      ['adapter', 'variant', 'requests/s (median)', 'vs bare', 'range'],
      lines.map((line) => line.split('\t')),
      'llrrr',
    ),
  );
  console.log('\n' + verdicts.join('\n'));
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
