import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';

// Every ```ts block of README.md and docs/*.md is a complete module, imports included, that
// compiles against the built package as a Nest app's CommonJS code does (strict, Nest's decorator
// settings, no top-level await): what a user who copies it gets. `npm test` builds the package
// first. Each block is written to a temp dir as a file of its own and type-checked as one
// program; a failure names the Markdown file and line.
const root = join(__dirname, '..', '..');
const PACKAGE_ENTRIES = ['nestjs-dynamo-metrics', 'nestjs-dynamo-metrics/core'];

interface Block {
  /** The Markdown file, relative to the repository. */
  doc: string;
  /** Line of the block's first code line (1-based). */
  line: number;
  lang: string;
  code: string;
}

/** The fenced code blocks of a Markdown file. */
function blocksOf(doc: string): Block[] {
  const lines = readFileSync(join(root, doc), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^( *)(`{3,})([^`\s]*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, lang] = open;
    let end = i + 1;
    while (end < lines.length && lines[end].trim() !== fence) end++;
    const code = lines.slice(i + 1, end).map((line) => line.slice(indent.length));
    blocks.push({ doc, line: i + 2, lang, code: code.join('\n') + '\n' });
    i = end;
  }
  return blocks;
}

const docs = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];
const blocks = docs.flatMap(blocksOf);
const tsBlocks = blocks.filter((block) => block.lang === 'ts' || block.lang === 'typescript');

const compilerOptions: ts.CompilerOptions = {
  strict: true,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2023.d.ts'],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  moduleDetection: ts.ModuleDetectionKind.Force,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  isolatedModules: true,
  esModuleInterop: true,
  skipLibCheck: true,
  noEmit: true,
  types: ['node'],
  typeRoots: [join(root, 'node_modules/@types')],
  // The built declarations, as an installed package would give them.
  paths: {
    'nestjs-dynamo-metrics': [join(root, 'dist/cjs/index.d.ts')],
    'nestjs-dynamo-metrics/core': [join(root, 'dist/cjs/core/index.d.ts')],
  },
};

interface Checked {
  program: ts.Program;
  /** The example files, with the block each one came from. */
  files: Map<string, Block>;
  dir: string;
}

/**
 * One program over every block. Imports in the blocks resolve as from a file of this repository
 * (an app with the dependencies installed), not from the temp dir.
 */
function check(): Checked {
  const dir = mkdtempSync(join(tmpdir(), 'docs-examples-'));
  const files = new Map<string, Block>();
  for (const block of tsBlocks) {
    const file = join(dir, `${block.doc.replace(/[/.]/g, '_')}_L${block.line}.ts`);
    writeFileSync(file, block.code);
    files.set(file, block);
  }
  const host = ts.createCompilerHost(compilerOptions);
  const cache = ts.createModuleResolutionCache(root, (name) => name, compilerOptions);
  const appFile = join(root, 'example.ts');
  host.resolveModuleNameLiterals = (literals, containingFile, redirected, options, source) =>
    literals.map((literal) =>
      ts.resolveModuleName(
        literal.text,
        files.has(containingFile) ? appFile : containingFile,
        options,
        host,
        cache,
        redirected,
        ts.getModeForUsageLocation(source, literal, options),
      ),
    );
  const entries = [join(root, 'dist/cjs/index.d.ts'), join(root, 'dist/cjs/core/index.d.ts')];
  const program = ts.createProgram([...files.keys(), ...entries], compilerOptions, host);
  return { program, files, dir };
}

/** `README.md:42: TS2304 Cannot find name 'x'.` */
function describeDiagnostic(diagnostic: ts.Diagnostic, files: Map<string, Block>): string {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
  const block = diagnostic.file && files.get(diagnostic.file.fileName);
  if (!diagnostic.file || diagnostic.start === undefined) return `TS${diagnostic.code} ${message}`;
  const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
  const where = block
    ? `${block.doc}:${block.line + line}`
    : `${diagnostic.file.fileName}:${line + 1}`;
  return `${where}: TS${diagnostic.code} ${message}`;
}

/** The names the examples import from the package's two entries. */
function importedNames({ program, files }: Checked): Set<string> {
  const names = new Set<string>();
  for (const file of files.keys())
    for (const statement of program.getSourceFile(file)!.statements) {
      if (
        !ts.isImportDeclaration(statement) ||
        !ts.isStringLiteral(statement.moduleSpecifier) ||
        !PACKAGE_ENTRIES.includes(statement.moduleSpecifier.text)
      )
        continue;
      const bindings = statement.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings))
        for (const element of bindings.elements)
          names.add((element.propertyName ?? element.name).text);
    }
  return names;
}

/** The package's exports by name (the root entry holds the core's too), resolved. */
function packageExports({ program }: Checked): Map<string, ts.Symbol> {
  const checker = program.getTypeChecker();
  const entry = program.getSourceFile(join(root, 'dist/cjs/index.d.ts'))!;
  const exports = checker.getExportsOfModule(checker.getSymbolAtLocation(entry)!);
  return new Map(
    exports.map((symbol) => [
      symbol.name,
      symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol,
    ]),
  );
}

/** `Interface.property` of a property declared in an interface of the package. */
function interfaceProperty(symbol: ts.Symbol): string | undefined {
  const declaration = symbol.declarations?.[0];
  if (!declaration || !ts.isPropertySignature(declaration)) return undefined;
  if (!ts.isInterfaceDeclaration(declaration.parent)) return undefined;
  return `${declaration.parent.name.text}.${symbol.name}`;
}

/** Every option the examples set: properties of object literals typed by the package's interfaces. */
function optionsSet({ program, files }: Checked): Set<string> {
  const checker = program.getTypeChecker();
  const used = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isObjectLiteralExpression(node)) {
      const contextual = checker.getContextualType(node);
      const types = contextual ? (contextual.isUnion() ? contextual.types : [contextual]) : [];
      for (const property of node.properties) {
        const name = property.name && ts.isIdentifier(property.name) ? property.name.text : '';
        for (const type of types) {
          const symbol = name ? checker.getPropertyOfType(type, name) : undefined;
          const key = symbol && interfaceProperty(symbol);
          if (key) used.add(key);
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  for (const file of files.keys()) visit(program.getSourceFile(file)!);
  return used;
}

describe('the code examples of README.md and docs/', () => {
  let checked: Checked;
  beforeAll(() => {
    if (!existsSync(join(root, 'dist/cjs/index.d.ts')))
      throw new Error('dist/ is missing: run `npm run build` first (`npm test` does)');
    checked = check();
  });
  afterAll(() => {
    if (checked) rmSync(checked.dir, { recursive: true, force: true });
  });

  it('are found: the README and the guides have them', () => {
    expect(tsBlocks.filter((block) => block.doc === 'README.md').length).toBeGreaterThan(1);
    expect(tsBlocks.length).toBeGreaterThan(40);
  });

  it('name their language (```ts, ```sh, ```text, ```yaml ...)', () => {
    const unnamed = blocks.filter((block) => block.lang === '');
    expect(unnamed.map((block) => `${block.doc}:${block.line - 1}`)).toEqual([]);
  });

  it('compile, each ```ts block as a module of its own, against the built package', () => {
    const diagnostics = ts.getPreEmitDiagnostics(checked.program);
    expect(diagnostics.map((d) => describeDiagnostic(d, checked.files))).toEqual([]);
  });

  it('import every export of the package', () => {
    const imported = importedNames(checked);
    const missing = [...packageExports(checked).keys()].filter((name) => !imported.has(name));
    expect(missing).toEqual([]);
  });

  it('set every option of the public options interfaces', () => {
    const checker = checked.program.getTypeChecker();
    const used = optionsSet(checked);
    const options = [...packageExports(checked)]
      .filter(
        ([name, symbol]) =>
          symbol.flags & ts.SymbolFlags.Interface &&
          /(Options|Buckets|Credentials|Environment)$/.test(name),
      )
      .map(([, symbol]) => symbol);
    expect(options.length).toBeGreaterThan(10);
    const missing = options
      .flatMap((symbol) => checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(symbol)))
      .map(interfaceProperty)
      .filter((key): key is string => key !== undefined && !used.has(key));
    expect([...new Set(missing)]).toEqual([]);
  });
});
