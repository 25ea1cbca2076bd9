// Writes the ES module entries as thin re-exports of the CommonJS build, so an app that both
// imports and requires the package (or whose dependencies do) still gets one copy of its state.
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const entries = [
  { name: 'index', cjs: '../cjs/index.js' },
  { name: 'core', cjs: '../cjs/core/index.js' },
];

mkdirSync(new URL('../dist/esm/', import.meta.url), { recursive: true });
for (const { name, cjs } of entries) {
  const names = Object.keys(
    require(new URL(cjs, new URL('../dist/esm/', import.meta.url)).pathname),
  );
  const exported = names.filter((n) => n !== '__esModule').map((n) => `  ${n},`);
  writeFileSync(
    new URL(`../dist/esm/${name}.mjs`, import.meta.url),
    `import cjs from '${cjs}';\n\nexport const {\n${exported.join('\n')}\n} = cjs;\n`,
  );
  writeFileSync(new URL(`../dist/esm/${name}.d.mts`, import.meta.url), `export * from '${cjs}';\n`);
}
