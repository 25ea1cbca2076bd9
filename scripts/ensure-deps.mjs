// `prestart` and `pretest`: on a fresh clone (no node_modules), or after a pull that changed
// package-lock.json, install exactly the locked dependencies first, so `npm start` and `npm test`
// work with nothing run before them. Plain Node on purpose: nothing is installed yet.
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const mtime = (path) => statSync(new URL(path, root), { throwIfNoEntry: false })?.mtimeMs;

// npm writes node_modules/.package-lock.json on every install: its age is the install's age.
const lock = mtime('package-lock.json');
const installed = mtime('node_modules/.package-lock.json');
const reason =
  installed === undefined
    ? 'node_modules is missing'
    : lock !== undefined && installed < lock
      ? 'node_modules is older than package-lock.json'
      : undefined;

if (reason !== undefined) {
  console.log(`${reason}: running npm ci first`);
  const npm = process.env.npm_execpath;
  // Under npm, npm_execpath is npm's own CLI script: run it with this Node, as npm itself does.
  const [command, args] = npm
    ? [process.execPath, [npm, 'ci', '--no-audit', '--no-fund']]
    : ['npm', ['ci', '--no-audit', '--no-fund']];
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`npm ci failed (exit ${result.status ?? result.signal}); see its output above`);
    process.exit(result.status || 1);
  }
}
