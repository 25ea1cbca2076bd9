import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { root } from '../utils/packed-package';

// A consumer whose tsconfig loads no global types (`types: []`, TypeScript 7's default) gets
// Node's types only from the .d.ts files that reference them. Nest apps always have
// @types/node installed; what they may lack is the `types` entry that loads it.
function declarationFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.d.ts'))
    .map((file) => join(dir, file));
}

function typeErrors(file: string): string {
  const program = ts.createProgram([join(root, file)], {
    noEmit: true,
    strict: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    // No DOM either: `Buffer`, `setTimeout` and the rest must come from @types/node.
    lib: ['lib.es2024.d.ts'],
    types: [],
    // Check the package's .d.ts files too, not only the consumer's code.
    skipLibCheck: false,
  });
  return ts.formatDiagnostics(ts.getPreEmitDiagnostics(program), {
    getCanonicalFileName: (name) => name,
    getCurrentDirectory: () => root,
    getNewLine: () => '\n',
  });
}

describe("the published types bring Node's types themselves", () => {
  it("every .d.ts that uses Node's API references them itself", () => {
    const usesNode = /\bBuffer\b|\bNodeJS\.|from 'node:|import\("node:/;
    const missing = declarationFiles(join(root, 'dist/cjs'))
      .filter((file) => {
        const text = readFileSync(file, 'utf8');
        return usesNode.test(text) && !text.startsWith('/// <reference types="node"');
      })
      .map((file) => relative(root, file));
    expect(missing).toEqual([]);
  });

  it('both entries type-check for an ES module consumer with `types: []`', () => {
    expect(typeErrors('test/fixtures/consumer-no-global-types.mts')).toBe('');
  });

  it('the core entry alone type-checks for a CommonJS consumer with `types: []`', () => {
    expect(typeErrors('test/fixtures/consumer-core-no-global-types.cts')).toBe('');
  });
});
