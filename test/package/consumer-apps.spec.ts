import { cpSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { packPackage, root, run } from '../utils/packed-package';

// Apps as users write them (test/consumers/*, each with its own lockfile), on the package as
// users get it: the packed tarball, installed in a copy of the app outside the repository.
// Node resolves up the directory tree, so inside it the repository's node_modules would leak in.
const npmFlags = ['--prefer-offline', '--no-audit', '--no-fund'];
const minutes = (n: number) => n * 60_000;

let work: string;
let tarball: string;

beforeAll(() => {
  work = realpathSync(mkdtempSync(join(tmpdir(), 'dynamo-consumers-')));
  tarball = packPackage(work).tarball;
}, minutes(1));

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Copies the app to the temp dir and installs its lockfile, then the tarball. */
function install(name: string): string {
  const app = join(work, name);
  cpSync(join(root, 'test/consumers', name), app, {
    recursive: true,
    filter: (path) => !['node_modules', 'dist'].includes(basename(path)),
  });
  run(app, 'npm', ['ci', ...npmFlags]);
  // --no-save keeps the committed lockfile as it is: the tarball changes with every build.
  run(app, 'npm', ['install', '--no-save', ...npmFlags, tarball]);
  const resolve = (specifier: string) =>
    run(app, process.execPath, [
      '--input-type=module',
      '-e',
      `console.log(import.meta.resolve('${specifier}'))`,
    ]).trim();
  for (const specifier of ['nestjs-dynamo-metrics', '@nestjs/core']) {
    expect(resolve(specifier)).toMatch(new RegExp(`^file://${app}/node_modules/`));
  }
  return app;
}

/** The installed version of a dependency of the app. */
function version(app: string, name: string): string {
  return JSON.parse(readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8')).version;
}

/** Runs an npm script of the app; its output, all of it in the error when it fails. */
function script(app: string, name: string): string {
  return run(app, 'npm', ['run', name], minutes(4));
}

describe('consumer apps on the packed package, installed outside the repository', () => {
  it(
    'a Nest 11 CommonJS app (node10 resolution, jest with ts-jest) builds and passes its ' +
      'tests on Express and Fastify',
    () => {
      const app = install('nest11-cjs');
      expect(version(app, '@nestjs/core')).toMatch(/^11\./);
      expect(version(app, '@nestjs/platform-fastify')).toMatch(/^11\./);
      expect(version(app, 'typescript')).toMatch(/^5\./);
      script(app, 'build');
      expect(script(app, 'test')).toMatch(/^Tests: +4 passed, 4 total$/m);
    },
    minutes(6),
  );

  it(
    'a Nest 12 ES module app compiles with TypeScript 7, type-checks with TypeScript 5 and ' +
      "passes its tests on Express and Fastify in Node's own runner",
    () => {
      const app = install('nest12-esm');
      expect(version(app, '@nestjs/core')).toMatch(/^12\./);
      expect(version(app, '@nestjs/platform-fastify')).toMatch(/^12\./);
      expect(version(app, 'typescript')).toMatch(/^7\./);
      expect(version(app, 'typescript-5')).toMatch(/^5\./);
      script(app, 'build');
      script(app, 'typecheck:ts5');
      const output = script(app, 'test');
      expect(output).toMatch(/^# pass 4$/m);
      expect(output).toMatch(/^# fail 0$/m);
    },
    minutes(6),
  );
});
