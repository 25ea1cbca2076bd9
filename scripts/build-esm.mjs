// Writes the ES module entry as a thin re-export of the CommonJS build, so an app that both
// imports and requires the package (or whose dependencies do) still gets one copy of its state.
import { createRequire } from 'node:module';
import { mkdirSync, writeFileSync } from 'node:fs';

const require = createRequire(import.meta.url);
const names = Object.keys(require('../dist/cjs/index.js')).filter((name) => name !== '__esModule');

mkdirSync(new URL('../dist/esm/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('../dist/esm/index.mjs', import.meta.url),
  `import cjs from '../cjs/index.js';\n\nexport const {\n${names.map((n) => `  ${n},`).join('\n')}\n} = cjs;\n`,
);
writeFileSync(
  new URL('../dist/esm/index.d.mts', import.meta.url),
  `export * from '../cjs/index.js';\n`,
);
