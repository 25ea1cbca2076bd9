import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

// Fastify's own test suite, as its npm tarball ships it (the installed package is that tarball:
// npm checked it against package-lock.json's integrity), run outside this repository with what
// its tests need installed beside it.

const ROOT = join(__dirname, '..', '..');
const FASTIFY = dirname(require.resolve('fastify/package.json', { paths: [ROOT] }));

/**
 * The devDependencies Fastify's tests load (its linters, type tests, bundlers, benchmarks and
 * coverage tools are left out; so is borp, its runner, which needs Node 22: the files run under
 * `node --test`, which borp drives).
 */
const TEST_DEPENDENCIES = [
  'JSONStream',
  'ajv',
  'ajv-errors',
  'ajv-formats',
  'ajv-i18n',
  'ajv-merge-patch',
  'fast-json-body',
  'fastify-plugin',
  'fluent-json-schema',
  'h2url',
  'http-errors',
  'joi',
  'node-forge',
  'proxyquire',
  'split2',
  'typebox',
  'undici',
  'vary',
  'yup',
];

/** Test files left out, each with the reason. */
export const EXCLUDED: Record<string, string> = {
  'test/build/error-serializer.test.js':
    "lints Fastify's generated error serializer with ESLint: a check of its build, not of HTTP",
};

export interface FastifySuite {
  /** The copy of the package whose tests run, with its dependencies installed. */
  dir: string;
  version: string;
  /** The test files, relative to `dir`. */
  files: string[];
}

const manifest = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as PackageJson;
interface PackageJson {
  version: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  scripts?: Record<string, string>;
}

/** The version of `name` installed for Fastify here (its own copy first, then the hoisted one). */
function installedVersion(name: string): string {
  for (const base of [join(FASTIFY, 'node_modules'), join(ROOT, 'node_modules')]) {
    const path = join(base, name, 'package.json');
    if (existsSync(path)) return manifest(path).version;
  }
  throw new Error(`${name}, a dependency of fastify, is not installed`);
}

/**
 * A copy of the installed Fastify package in the system's temporary directory, with its
 * dependencies at the versions installed here and its tests' devDependencies at the ranges it
 * declares, installed once (later runs reuse it). Throws when npm cannot install them.
 */
export function prepareFastifySuite(): FastifySuite {
  const pkg = manifest(join(FASTIFY, 'package.json'));
  const dependencies = Object.fromEntries(
    Object.keys(pkg.dependencies ?? {}).map((name) => [name, installedVersion(name)]),
  );
  const devDependencies = Object.fromEntries(
    TEST_DEPENDENCIES.map((name) => {
      const range = pkg.devDependencies?.[name];
      if (range === undefined)
        throw new Error(`fastify ${pkg.version} has no devDependency ${name}`);
      return [name, range];
    }),
  );
  const suitePackage = { ...pkg, dependencies, devDependencies, scripts: {} };
  const key = createHash('sha256')
    .update(ROOT)
    .update(JSON.stringify(suitePackage))
    .digest('hex')
    .slice(0, 12);
  const dir = join(tmpdir(), `nestjs-dynamo-metrics-fastify-${pkg.version}-suite-${key}`);
  if (!existsSync(join(dir, '.installed'))) install(dir, suitePackage);
  return { dir, version: pkg.version, files: testFiles(dir) };
}

function install(dir: string, suitePackage: object): void {
  const staging = `${dir}.${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  cpSync(FASTIFY, staging, {
    recursive: true,
    filter: (path) => relative(FASTIFY, path).split(/[\\/]/)[0] !== 'node_modules',
  });
  writeFileSync(join(staging, 'package.json'), JSON.stringify(suitePackage, null, 2));
  // Under `npm test`, npm_execpath is npm's own CLI script: run it with this Node, as npm does.
  const npm = process.env.npm_execpath;
  const args = ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'];
  const [command, commandArgs] = npm?.endsWith('.js')
    ? [process.execPath, [npm, ...args]]
    : ['npm', args];
  const result = spawnSync(command, commandArgs, { cwd: staging, encoding: 'utf8' });
  if (result.status !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`npm install failed in ${staging}: ${result.stderr || result.error}`);
  }
  writeFileSync(join(staging, '.installed'), '');
  try {
    renameSync(staging, dir);
  } catch {
    // Another run installed it meanwhile: theirs is used.
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Fastify's test files, as its runner's configuration (.borp.yaml) selects them. */
function testFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(join(dir, folder), { withFileTypes: true })) {
      const path = folder === '' ? entry.name : `${folder}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (/\.test\.m?js$/.test(entry.name) && !(path in EXCLUDED)) files.push(path);
    }
  };
  walk('test');
  return files.sort();
}

/** One test's result: where it is, and how it ended (a failure with its error, digits masked). */
export interface Outcome {
  file: string;
  nesting: number;
  name: string;
  outcome: 'pass' | 'fail' | 'skip' | 'todo';
  failure?: string;
}

/** What a run of the suite gave: every test's outcome, and what the preload wrote to its log. */
export interface SuiteRun {
  outcomes: Outcome[];
  log: string;
}

/**
 * Runs `files` of the suite under `node --test`, with `preload` (`--require`) in every process
 * or none; the preload may write to the file named by COUNT_EVERY_SERVER_LOG.
 */
export function runSuite(
  suite: FastifySuite,
  files: string[],
  preload: string | undefined,
): Promise<SuiteRun> {
  const reporter = join(ROOT, 'test', 'fixtures', 'fastify-suite', 'outcomes-reporter.mjs');
  const run = `${preload ? 'with' : 'without'}-${process.pid}`;
  const output = join(suite.dir, `.outcomes-${run}.jsonl`);
  const log = join(suite.dir, `.log-${run}.txt`);
  rmSync(output, { force: true });
  writeFileSync(log, '');
  const env = {
    ...process.env,
    NODE_OPTIONS: preload ? `--require ${preload}` : '',
    COUNT_EVERY_SERVER_LOG: log,
  };
  const child = spawn(
    process.execPath,
    ['--test', `--test-reporter=${reporter}`, `--test-reporter-destination=${output}`, ...files],
    { cwd: suite.dir, env, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', () => {
      const logged = readFileSync(log, 'utf8');
      rmSync(log, { force: true });
      if (!existsSync(output)) {
        reject(new Error(`node --test wrote no results; its stderr:\n${stderr}`));
        return;
      }
      const lines = readFileSync(output, 'utf8').split('\n').filter(Boolean);
      rmSync(output, { force: true });
      const outcomes = lines.map((line) => {
        const outcome = JSON.parse(line) as Outcome;
        return {
          ...outcome,
          file: relative(suite.dir, outcome.file),
          failure: outcome.failure?.replace(/\d+/g, '#'),
        };
      });
      resolve({ outcomes, log: logged });
    });
  });
}

/**
 * Every test's outcomes by file, depth and name (names repeat: each key holds the sorted
 * outcomes of all its tests).
 */
export function outcomesByTest(outcomes: Outcome[]): Map<string, string[]> {
  const byTest = new Map<string, string[]>();
  for (const { file, nesting, name, outcome, failure } of outcomes) {
    const key = `${file} › ${nesting} › ${name}`;
    const list = byTest.get(key) ?? [];
    list.push(failure === undefined ? outcome : `${outcome}: ${failure}`);
    byTest.set(key, list);
  }
  for (const list of byTest.values()) list.sort();
  return byTest;
}
