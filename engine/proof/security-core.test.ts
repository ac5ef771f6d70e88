// engine/README.md "Security core": engine/proof/ and engine/model/ (what decides whether a proof
// holds, and what reads hostile runbooks) run no code built from text and reach into no
// dependency's internals. Checked on the syntax tree of every non-test file (comments and strings
// cannot hide or fake a hit): no eval (called, passed around or read off an object), no Function
// constructor, no Blob or object URL, every Worker built from a module URL
// `new URL('./file', import.meta.url)` and never with `eval: true`, and every package import names
// the package or a subpath its package.json `exports` publishes, and none is a validator or
// serializer that compiles schemas into code (ajv and its plugins build them with `new Function`;
// model/runbook-schema.ts uses @cfworker/json-schema, which interprets the schema).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const root = new URL('../..', import.meta.url).pathname;
const FOLDERS = ['engine/proof', 'engine/model'];

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|mts)$/.test(entry.name) && !entry.name.endsWith('.test.ts')) yield path;
  }
}

const isImportMetaUrl = (node: ts.Node): boolean =>
  ts.isPropertyAccessExpression(node) &&
  node.name.text === 'url' &&
  ts.isMetaProperty(node.expression) &&
  node.expression.keywordToken === ts.SyntaxKind.ImportKeyword;

/** `new URL(<path>, import.meta.url)`: a module file next to this one, never code text. */
const isModuleUrl = (node: ts.Node): boolean =>
  ts.isNewExpression(node) &&
  ts.isIdentifier(node.expression) &&
  node.expression.text === 'URL' &&
  node.arguments?.length === 2 &&
  isImportMetaUrl(node.arguments[1]!) &&
  !ts.isTemplateExpression(node.arguments[0]!) &&
  !ts.isBinaryExpression(node.arguments[0]!);

/** A package subpath is public when `exports` lists it (or a pattern covers it), or when there is no `exports` and it is the root. */
export function isPublishedSubpath(exportsField: unknown, subpath: string): boolean {
  if (subpath === '.') return true;
  if (exportsField === undefined || exportsField === null || typeof exportsField !== 'object' || Array.isArray(exportsField)) return false;
  const keys = Object.keys(exportsField).filter((k) => k.startsWith('.'));
  return keys.some((key) => {
    if (key === subpath) return true;
    const star = key.indexOf('*');
    return star >= 0 && subpath.startsWith(key.slice(0, star)) && subpath.endsWith(key.slice(star + 1)) && subpath.length >= key.length - 1;
  });
}

/** Packages that turn schemas into JavaScript source and run it (new Function / eval). */
const CODE_GENERATING =
  /^(ajv(-.+)?|@ajv\/.+|@exodus\/schemasafe|is-my-json-valid|djv|fastest-validator|fast-json-stringify|@fastify\/ajv-compiler|json-schema-compiler)$/;

function packageProblem(spec: string): string | undefined {
  if (spec.startsWith('.') || spec.startsWith('node:')) return undefined;
  const parts = spec.split('/');
  const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
  if (CODE_GENERATING.test(name) || spec.startsWith('@sinclair/typebox/compiler')) return `imports ${spec}, which compiles schemas into code with new Function`;
  const subpath = spec === name ? '.' : `.${spec.slice(name.length)}`;
  let exportsField: unknown;
  try {
    exportsField = (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { exports?: unknown }).exports;
  } catch {
    return `imports ${spec}, a package that is not installed`;
  }
  return isPublishedSubpath(exportsField, subpath) ? undefined : `imports ${spec}, which ${name}'s package.json does not export`;
}

const nameOf = (node: ts.Node): string | undefined => (ts.isIdentifier(node) ? node.text : ts.isPropertyAccessExpression(node) ? node.name.text : undefined);

/** Where naming Worker is fine: `new Worker(…)` (checked), `typeof Worker`, a type, an import binding, a declaration's own name. */
function workerUseIsChecked(node: ts.Node): boolean {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return workerUseIsChecked(parent);
  if (ts.isNewExpression(parent) && parent.expression === node) return ts.isIdentifier(node);
  return (
    ts.isTypeOfExpression(parent) ||
    ts.isTypeReferenceNode(parent) ||
    ts.isTypeQueryNode(parent) ||
    ts.isExpressionWithTypeArguments(parent) ||
    ts.isQualifiedName(parent) ||
    ts.isImportSpecifier(parent) ||
    ts.isPropertySignature(parent) ||
    ts.isPropertyDeclaration(parent) ||
    ts.isMethodSignature(parent)
  );
}

/** Every rule the security core breaks in one file's source text, as "line: what". */
export function securityProblems(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const problems: string[] = [];
  const at = (node: ts.Node, what: string): void => {
    problems.push(`${fileName}:${source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1}: ${what}`);
  };
  const moduleUrlConsts = new Set<string>();
  const packageImports = new Set<string>(); // local names bound by imports of bare packages (not node:)
  const collect = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && !/^(\.|node:)/.test(node.moduleSpecifier.text)) {
      const clause = node.importClause;
      if (clause?.name) packageImports.add(clause.name.text);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) packageImports.add(bindings.name.text);
      if (bindings && ts.isNamedImports(bindings)) for (const el of bindings.elements) packageImports.add(el.name.text);
    }
    if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer && isModuleUrl(node.initializer)) {
      const list = node.parent;
      if (ts.isVariableDeclarationList(list) && (list.flags & ts.NodeFlags.Const) !== 0) moduleUrlConsts.add(node.name.text);
    }
    ts.forEachChild(node, collect);
  };
  collect(source);
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && node.text === 'eval' && !(ts.isPropertyAssignment(node.parent) && node.parent.name === node)) at(node, 'uses eval');
    if (ts.isPropertyAccessExpression(node) && node.name.text === 'eval') at(node, 'uses eval');
    if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression) && ['eval', 'Function'].includes(node.argumentExpression.text))
      at(node, `uses ${node.argumentExpression.text}`);
    if ((ts.isNewExpression(node) || ts.isCallExpression(node)) && ts.isIdentifier(node.expression) && node.expression.text === 'Function')
      at(node, 'uses the Function constructor');
    if (ts.isNewExpression(node) && nameOf(node.expression) === 'Blob') at(node, 'builds a Blob');
    // A worker constructor taken as a value (`const W = globalThis.Worker`) would escape the check below.
    if ((ts.isIdentifier(node) || ts.isPropertyAccessExpression(node)) && /^(Worker|SharedWorker)$/.test(nameOf(node) ?? '') && !workerUseIsChecked(node))
      at(node, 'takes a Worker constructor as a value');
    // Driving a dependency's class through its prototype reaches past its published API.
    if (ts.isPropertyAccessExpression(node) && node.name.text === 'prototype' && ts.isIdentifier(node.expression) && packageImports.has(node.expression.text))
      at(node, `reaches into ${node.expression.text}.prototype of a dependency`);
    if (ts.isPropertyAccessExpression(node) && node.name.text === 'createObjectURL') at(node, 'makes an object URL');
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && /^(Worker|SharedWorker)$/.test(node.expression.text)) {
      const [first, options] = node.arguments ?? [];
      const fromModule = first !== undefined && (isModuleUrl(first) || (ts.isIdentifier(first) && moduleUrlConsts.has(first.text)));
      if (!fromModule) at(node, 'creates a Worker from something other than new URL(<module file>, import.meta.url)');
      if (options && ts.isObjectLiteralExpression(options) && options.properties.some((p) => p.name && ts.isIdentifier(p.name) && p.name.text === 'eval'))
        at(node, 'creates a Worker with eval');
    }
    const spec =
      ts.isImportDeclaration(node) || ts.isExportDeclaration(node)
        ? node.moduleSpecifier
        : ts.isCallExpression(node) &&
            (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))
          ? node.arguments[0]
          : undefined;
    if (spec !== undefined) {
      if (!ts.isStringLiteralLike(spec)) at(node, 'imports a computed module name');
      else {
        const problem = packageProblem(spec.text);
        if (problem) at(node, problem);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return problems;
}

test('the checker catches each way of running text as code or reaching into a package', () => {
  const bad = [
    "const f = eval('1');",
    "const g = (0, eval)('1');",
    'const h = globalThis.eval;',
    "const i = globalThis['Function'];",
    "const j = new Function('return 1');",
    "const k = Function('return 1');",
    "const url = URL.createObjectURL(new Blob(['postMessage(1)']));",
    'const w1 = new Worker(url);',
    'const w2 = new Worker(`data:text/javascript,${code}`);',
    "const w3 = new Worker(new URL('./w.ts', import.meta.url), { eval: true });",
    "import { Parser } from 'yaml/dist/parse/parser.js';",
    'const m = await import(name);',
    'const W = globalThis.Worker;\nconst w4 = new W(url);',
    'const w5 = new g.Worker(url);',
    'const b = new g.Blob([code]);',
    "import { Parser } from 'yaml';\nconst step = (Parser.prototype as unknown as { step(): void }).step;",
    "import { Ajv } from 'ajv';",
    "import Ajv2020 from 'ajv/dist/2020.js';",
    "import * as ajvFormats from 'ajv-formats';",
    "const v = await import('@exodus/schemasafe');",
    "export { TypeCompiler } from '@sinclair/typebox/compiler';",
  ];
  for (const line of bad) assert.notDeepEqual(securityProblems('bad.ts', line), [], line);
  const good = [
    '// eval, new Function and new Blob in a comment are not code',
    "const s = 'eval(1) and new Function() inside a string';",
    "const w = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });",
    "const URL_OF = new URL('./w.ts', import.meta.url);\nconst v = new Worker(URL_OF, { workerData: 1 });",
    "import { sha256 } from '@noble/hashes/sha2.js';",
    "import { parse } from 'yaml';",
    "import { Validator } from '@cfworker/json-schema';",
    'const o = { eval: 1 };',
    "import { Worker } from 'node:worker_threads';\nif (typeof Worker === 'undefined') throw new Error();\nlet w: Worker | undefined;",
    'class Local {}\nconst p = Local.prototype;',
  ];
  for (const line of good) assert.deepEqual(securityProblems('good.ts', line), [], line);
  assert.equal(isPublishedSubpath({ '.': './index.js', './sub/*': './dist/*.js' }, './sub/x'), true);
  assert.equal(isPublishedSubpath({ '.': './index.js' }, './dist/x.js'), false);
  assert.equal(isPublishedSubpath(undefined, './dist/x.js'), false);
});

test('engine/proof and engine/model run no code built from text and use no dependency internals', () => {
  const problems: string[] = [];
  for (const folder of FOLDERS) {
    for (const path of sourceFiles(join(root, folder))) problems.push(...securityProblems(relative(root, path), readFileSync(path, 'utf8')));
  }
  assert.deepEqual(problems, []);
});
