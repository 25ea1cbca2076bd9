import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

// These run the built package (`npm test` builds it first) the way users load it: by its name,
// from CommonJS, from an ES module, from both at once, and from this CommonJS jest suite.
const root = join(__dirname, '..', '..');

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' });
}

const golden =
  '# HELP dynamo_component_testcounter A test counter\n' +
  '# TYPE dynamo_component_testcounter counter\n' +
  'dynamo_component_testcounter{dynamo_component="comp345",dynamo_endpoint="ep345",dynamo_namespace="ns345"} 123.456789\n';

// Dynamo's golden example leaves worker_id out.
const scrapeGolden = (m: string) => `
  const drt = new ${m}.DistributedRuntime({ uptime: false, workerId: false });
  drt.namespace('ns345').component('comp345').endpoint('ep345').createCounter('testcounter', 'A test counter').incBy(123.456789);
  drt.prometheusExpfmt().then((text) => process.stdout.write(text));
`;

describe('the package loads from CommonJS and ES modules with one copy of its state', () => {
  beforeAll(() => {
    if (
      !existsSync(join(root, 'dist/cjs/index.js')) ||
      !existsSync(join(root, 'dist/esm/index.mjs'))
    ) {
      throw new Error('dist/ is missing: run `npm run build` first (`npm test` does)');
    }
  });

  it('require() resolves the CommonJS build', () => {
    expect(node(['-e', `const m = require('nestjs-dynamo-metrics'); ${scrapeGolden('m')}`])).toBe(
      golden,
    );
    expect(node(['-p', `require.resolve('nestjs-dynamo-metrics')`]).trim()).toBe(
      join(root, 'dist/cjs/index.js'),
    );
  });

  it('import resolves the ES module entry', () => {
    const script = `import * as m from 'nestjs-dynamo-metrics'; ${scrapeGolden('m')}`;
    expect(node(['--input-type=module', '-e', script])).toBe(golden);
    expect(
      node([
        '--input-type=module',
        '-e',
        `console.log(import.meta.resolve('nestjs-dynamo-metrics'))`,
      ]).trim(),
    ).toBe('file://' + join(root, 'dist/esm/index.mjs'));
  });

  it('an app that both imports and requires it shares classes and runtimes', () => {
    const script = `
      import { createRequire } from 'node:module';
      import * as esm from 'nestjs-dynamo-metrics';
      const cjs = createRequire(import.meta.url)('nestjs-dynamo-metrics');
      const same = Object.keys(cjs).filter((k) => k !== '__esModule').every((k) => esm[k] === cjs[k]);
      const drt = new esm.DistributedRuntime({ uptime: false });
      const seenFromCjs = drt instanceof cjs.DistributedRuntime && drt.namespace('a') instanceof cjs.Namespace;
      const oneWorkerId = drt.workerId === cjs.defaultWorkerId() && esm.defaultWorkerId() === cjs.defaultWorkerId();
      console.log(JSON.stringify({ same, seenFromCjs, oneWorkerId, exports: Object.keys(esm).length }));
    `;
    const result = JSON.parse(node(['--input-type=module', '-e', script]));
    expect(result).toEqual({
      same: true,
      seenFromCjs: true,
      oneWorkerId: true,
      exports: expect.any(Number),
    });
    expect(result.exports).toBeGreaterThan(10);
  });

  it('the core (nestjs-dynamo-metrics/core) is the same code, and loads without Nest', () => {
    const script = `
      import { createRequire } from 'node:module';
      import * as core from 'nestjs-dynamo-metrics/core';
      import * as full from 'nestjs-dynamo-metrics';
      const required = createRequire(import.meta.url)('nestjs-dynamo-metrics/core');
      const names = Object.keys(core);
      console.log(JSON.stringify({
        same: names.every((k) => core[k] === full[k] && core[k] === required[k]),
        nest: 'DynamoMetricsModule' in core,
      }));
    `;
    expect(JSON.parse(node(['--input-type=module', '-e', script]))).toEqual({
      same: true,
      nest: false,
    });
    const loadsNest = (entry: string) =>
      node([
        '-p',
        `require('${entry}'); Object.keys(require.cache).some((p) => p.includes('@nestjs'))`,
      ]).trim();
    expect(loadsNest('nestjs-dynamo-metrics/core')).toBe('false');
    expect(loadsNest('nestjs-dynamo-metrics')).toBe('true');
  });

  it('loads in a CommonJS jest suite (the core: jest cannot load Nest 12 in CommonJS mode)', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const m = require('nestjs-dynamo-metrics/core');
    const drt = new m.DistributedRuntime({ uptime: false, workerId: false });
    drt
      .namespace('ns345')
      .component('comp345')
      .endpoint('ep345')
      .createCounter('testcounter', 'A test counter')
      .incBy(123.456789);
    expect(await drt.prometheusExpfmt()).toBe(golden);
  });

  it('gives every process a worker_id of its own', () => {
    const ids = [1, 2].map(() =>
      node(['-p', `require('nestjs-dynamo-metrics/core').defaultWorkerId()`]).trim(),
    );
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('type-checks for an ES module consumer and a CommonJS consumer', () => {
    const tsc = join(root, 'node_modules/typescript/bin/tsc');
    const common = [
      '--ignoreConfig',
      '--noEmit',
      '--strict',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--types',
      'node',
    ];
    for (const file of ['test/fixtures/consumer.mts', 'test/fixtures/consumer.cts']) {
      expect(node([tsc, ...common, file])).toBe('');
    }
  });
});
