import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The repository's root: the package's own directory. */
export const root = join(__dirname, '..', '..');

/** What `npm pack` made: the tarball's path, its size in bytes and the paths it holds. */
export interface PackedPackage {
  tarball: string;
  size: number;
  files: string[];
}

/**
 * The environment for an npm or a tool run as a user would run it: without what this run's own
 * npm script (`npm_package_*`, `npm_lifecycle_*`, its `local_prefix`, `INIT_CWD`) and jest
 * (`NODE_OPTIONS`, `JEST_WORKER_ID`) set. npm's configuration (`npm_config_*`) stays.
 */
export function userEnv(): NodeJS.ProcessEnv {
  const unset = (key: string) =>
    (key.startsWith('npm_') && !key.startsWith('npm_config_')) ||
    [
      'npm_config_local_prefix',
      'INIT_CWD',
      'NODE_OPTIONS',
      'JEST_WORKER_ID',
      'FORCE_COLOR',
    ].includes(key);
  // No colours: with `CI` set, tools such as publint colour their output even into a pipe.
  return {
    ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !unset(key))),
    NO_COLOR: '1',
  };
}

/** Packs the built package into `dir` (`npm test` builds it first). */
export function packPackage(dir: string): PackedPackage {
  if (
    !existsSync(join(root, 'dist/cjs/index.js')) ||
    !existsSync(join(root, 'dist/esm/index.mjs'))
  ) {
    throw new Error('dist/ is missing: run `npm run build` first (`npm test` does)');
  }
  const [packed] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--pack-destination', dir], {
      cwd: root,
      encoding: 'utf8',
      env: userEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  ) as { filename: string; size: number; files: { path: string }[] }[];
  return {
    tarball: join(dir, packed.filename),
    size: packed.size,
    files: packed.files.map((file) => file.path),
  };
}

/**
 * Runs a command in `cwd`; returns its output, or throws with all of it if it failed or ran
 * longer than `timeoutMs` (jest's own timeout cannot stop a synchronous call).
 */
export function run(cwd: string, command: string, args: string[], timeoutMs = 180_000): string {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    env: userEnv(),
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== 0) {
    throw new Error(
      `\`${command} ${args.join(' ')}\` in ${cwd} exited with ${result.status ?? result.signal}` +
        `${result.error ? ` (${result.error.message})` : ''}:\n${output}`,
    );
  }
  return output;
}
