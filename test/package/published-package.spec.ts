import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packPackage, root, run, type PackedPackage } from '../utils/packed-package';

// The tarball `npm publish` would upload, checked by the ecosystem's own tools: what a user's
// TypeScript resolves in every module mode (attw), and what package.json promises (publint).
const bin = (name: string) => join(root, 'node_modules/.bin', name);

interface AttwReport {
  analysis: {
    entrypoints: Record<string, { resolutions: Record<string, { resolution?: object }> }>;
    problems: object[];
  };
}

describe('the packed package', () => {
  let dir: string;
  let packed: PackedPackage;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'dynamo-pack-'));
    packed = packPackage(dir);
  }, 60_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds the build, README.md, LICENSE and the node10 redirect of /core, nothing else', () => {
    const shipped =
      /^(dist\/cjs\/.+\.(js|d\.ts)|dist\/esm\/.+\.(mjs|d\.mts)|core\/package\.json|README\.md|LICENSE|package\.json)$/;
    expect(packed.files.filter((file) => !shipped.test(file))).toEqual([]);
    expect(packed.files).toEqual(
      expect.arrayContaining(['README.md', 'LICENSE', 'package.json', 'core/package.json']),
    );
  });

  it('packs to under 160 kB', () => {
    expect(packed.size).toBeLessThan(160_000);
  });

  it('ships the full Apache License 2.0 text that package.json names', () => {
    const license = readFileSync(join(root, 'LICENSE'), 'utf8');
    expect(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).license).toBe('Apache-2.0');
    expect(license).toMatch(/^ +Apache License\n +Version 2\.0, January 2004\n/);
    expect(license).toContain('END OF TERMS AND CONDITIONS');
    expect(license.split('\n')).toHaveLength(202);
  });

  it('arethetypeswrong finds no problem in any entry under node10, node16 and bundler', () => {
    // It exits non-zero on a problem; the report says which.
    let report: AttwReport;
    try {
      report = JSON.parse(
        run(root, bin('attw'), [packed.tarball, '--format', 'json', '--no-definitely-typed']),
      );
    } catch (error) {
      throw new Error(`attw found problems: ${(error as Error).message}`);
    }
    expect(report.analysis.problems).toEqual([]);
    const resolved = Object.fromEntries(
      Object.entries(report.analysis.entrypoints).map(([entry, { resolutions }]) => [
        entry,
        Object.entries(resolutions)
          .filter(([, result]) => result.resolution)
          .map(([mode]) => mode),
      ]),
    );
    const modes = ['node10', 'node16-cjs', 'node16-esm', 'bundler'];
    expect(resolved).toEqual({ '.': modes, './core': modes, './package.json': modes });
  });

  it('publint --strict reports nothing, suggestions included', () => {
    const output = run(root, bin('publint'), ['run', packed.tarball, '--strict']);
    expect(output).toMatch(/\nAll good!\n$/);
  });
});
