#!/usr/bin/env node
// Bundles the two command-line entries into dist/ (run after `tsc --noEmit`):
// dist/create-ml-project.cjs and dist/ml-project.cjs, small (the flags, --help,
// which job to run), and each job in one script of dist/jobs/ (generate.cjs
// with Yeoman, update.cjs, runner.cjs with dockerode), run only when a command
// needs it, with V8's code cache; beside them the templates compiled to
// functions (dist/jobs/templates.js). CommonJS rather than ES modules: Node 20
// keeps no compiled code of modules between runs, and sets up its module
// loader for the first ES module a run imports. Every runtime dependency is
// inside, so the published package installs nothing else; their licence
// texts go to dist/THIRD-PARTY-LICENSES.txt.
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join, relative, resolve, sep } from 'node:path';
import ejs from 'ejs';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '..');

/** name and version from a bundled package's own package.json, as a JavaScript expression. */
const ownManifest = (name) => {
  const { version } = JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8'));
  return `(${JSON.stringify({ name, version })})`;
};

// Yeoman reads its own package.json next to its files, which in the bundle are
// not there: the reads become the values. yeoman-generator hands all of lodash
// to generators as this._, which ours does not use: an empty object instead
// (its own modules import the few lodash functions they call). fdir, at
// load, looks for picomatch beside its own file and loads it from whatever
// node_modules it finds there: the bundle runs only what it holds.
// dockerode's BuildKit session (gRPC and protobuf, reading .proto files that
// are not in the bundle) serves builds with version 2, which the runner never
// asks for (it uses the classic /build API): left out, a call says so.
// docker-modem's ssh2 transport serves ssh:// engines on a machine without
// an ssh client: loaded at its first call. A changed source fails the build.
const leftOutOfDockerode = (what) => `function () { throw new Error(${JSON.stringify(`create-ml-project leaves dockerode's ${what} out of its bundle.`)}); }`;
const inlined = [
  ['dockerode/lib/docker.js', "withSession = require('./session'),", `withSession = ${leftOutOfDockerode('BuildKit session')},`],
  ['dockerode/lib/docker.js', "var buildkit = require('./buildkit');", `var buildkit = { followProgress: ${leftOutOfDockerode('BuildKit progress')} };`],
  ['docker-modem/lib/modem.js', "ssh = require('./ssh'),", "ssh = (options) => require('./ssh')(options),"],
  ['fdir/dist/index.mjs', '__require.resolve("picomatch");', ''],
  ['fdir/dist/index.mjs', 'pm = __require("picomatch");', 'pm = null;'],
  ['yeoman-generator/dist/generator.js', "JSON.parse(readFileSync(pathJoin(_dirname, '../package.json'), 'utf8'))", ownManifest('yeoman-generator')],
  ['yeoman-generator/dist/generator.js', "import * as _ from 'lodash-es';", 'const _ = Object.freeze({});'],
  ['yeoman-environment/dist/module-lookup.js', "JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json')).toString())", ownManifest('yeoman-environment')],
  ['yeoman-environment/dist/environment-base.js', "require('../package.json')", ownManifest('yeoman-environment')],
];
const sourceEdits = {
  name: 'source-edits',
  setup(plugin) {
    const suffixes = [...new Set(inlined.map(([suffix]) => suffix.replace(/[.]/g, '\\.').replace(/\//g, '[\\\\/]')))];
    plugin.onLoad({ filter: new RegExp(`[\\\\/]node_modules[\\\\/](${suffixes.join('|')})$`) }, (args) => {
      const file = args.path.split(sep).join('/');
      const rules = inlined.filter(([suffix]) => file.endsWith(`/node_modules/${suffix}`));
      if (rules.length === 0) return undefined;
      let contents = readFileSync(args.path, 'utf8');
      for (const [suffix, from, to] of rules) {
        if (!contents.includes(from)) throw new Error(`${suffix} no longer contains ${from}: update scripts/build.mjs.`);
        contents = contents.replace(from, to);
      }
      return { contents, loader: 'js' };
    });
  },
};
// src/generate/prompts.ts asks the first question before Yeoman is loaded: with the
// inquirer package that Yeoman's adapter imports, whatever node_modules holds.
const adapterInquirer = {
  name: 'adapter-inquirer',
  setup(plugin) {
    plugin.onResolve({ filter: /^inquirer$/ }, async (args) => {
      if (args.pluginData === 'real' || !args.importer.startsWith(join(root, 'src'))) return undefined;
      const adapter = await plugin.resolve('@yeoman/adapter', { resolveDir: join(root, 'node_modules', 'yeoman-environment'), kind: 'import-statement', pluginData: 'real' });
      if (adapter.errors.length > 0) throw new Error("@yeoman/adapter not found from yeoman-environment: update scripts/build.mjs.");
      return plugin.resolve('inquirer', { resolveDir: adapter.path.slice(0, adapter.path.lastIndexOf(`${sep}dist${sep}`)), kind: args.kind, pluginData: 'real' });
    });
  },
};
const outdir = join(root, 'dist');
// The layouts of earlier builds go; files of the previous bundle stay until the new one is written (below).
for (const old of ['src', 'generators', 'chunks']) rmSync(join(outdir, old), { recursive: true, force: true });

// Each job (generating, updating, the runner) is one CommonJS script in
// dist/jobs/, which the small entry of its bin runs with V8's code cache
// (src/shared/script-cache.ts): the import of a job's cli module in an entry
// becomes that call.
const jobs = ['generate', 'update', 'runner'];
/** Code that runs dist/jobs/<name>.cjs from a file in `folder` (relative to dist/) and gives its exports. */
const runJobScript = (name, folder) =>
  `require(${JSON.stringify(join(root, 'src', 'shared', 'script-cache.ts'))}).runCachedScript(require('node:path').join(__dirname, ${JSON.stringify(join(folder, `${name}.cjs`))}), 'module')`;
const jobScripts = {
  name: 'job-scripts',
  setup(plugin) {
    plugin.onResolve({ filter: new RegExp(`^\\./(${jobs.join('|')})/cli\\.js$`) }, (args) => {
      if (!/[\\/]src[\\/](create-ml-project|ml-project)\.ts$/.test(args.importer)) return undefined;
      return { path: args.path.split('/')[1], namespace: 'job-script' };
    });
    plugin.onLoad({ filter: /.*/, namespace: 'job-script' }, (args) => ({ contents: `module.exports = ${runJobScript(args.path, 'jobs')};`, loader: 'js', resolveDir: root }));
  },
};

// What Yeoman loads but create-ml-project never runs, kept off the start-up path.
// Arborist is yeoman-environment's installer of generators (through fly-import,
// with the registry settings it reads first): the CLI registers its one
// generator and installs none, so they are left out. rxjs comes as ES modules,
// so that only the few operators inquirer uses are bundled and evaluated.
// Deferred packages are used only through async functions: each becomes a
// script of its own in dist/jobs/, run at the first call (the editor prompt's
// external editor with its encodings; latest-version, with its HTTP client,
// for generators that add npm dependencies), and shared by the jobs.
const deferred = { '@inquirer/external-editor': { exports: ['editAsync'], script: 'external-editor' }, 'latest-version': { exports: ['default'], script: 'latest-version' } };
/** Where each deferred package resolved, for building its script. */
const deferredFiles = new Map();
// Packages that Yeoman imports for features the CLI never uses, left out: each
// export becomes a function that throws if it is ever called. execa runs
// package managers and generators' spawnCommand; commander parses a
// generator's own command line; globby looks generators up on disk;
// normalize-package-data serves read-package-up's normalize option, which
// yeoman-generator turns off; simple-git is yeoman-generator's this.simpleGit
// (src/generate/git.ts loads its own copy when a run commits).
/** Files inside one of these packages (for an import that is left out only there). */
const yeoman = (...names) => new RegExp(`[\\\\/]node_modules[\\\\/](${names.map((name) => name.replace('/', '[\\\\/]')).join('|')})[\\\\/]`);
const left = {
  execa: { exports: ['execa', 'execaCommand', 'execaCommandSync', 'execaSync'], from: yeoman('yeoman-environment', 'yeoman-generator') },
  commander: { exports: ['Command', 'Option'], from: yeoman('yeoman-environment') },
  globby: { exports: ['globbySync'], from: yeoman('yeoman-environment') },
  'normalize-package-data': { exports: ['default'], from: yeoman('read-pkg') },
  'simple-git': { exports: ['CheckRepoActions', 'CleanOptions', 'simpleGit'], from: yeoman('yeoman-generator') },
  '@yeoman/adapter/testing': { exports: [], from: yeoman('@yeoman/adapter') },
  // The conflicter serves Yeoman's commit of its in-memory files, which the generator turns off (customCommitTask).
  '@yeoman/conflicter': { exports: ['createConflicterTransform', 'createYoResolveTransform', 'forceYoFiles'], from: yeoman('yeoman-environment') },
};
const trimmed = {
  name: 'trimmed',
  setup(plugin) {
    plugin.onResolve({ filter: /^(@npmcli\/arborist|registry-url|registry-auth-token)$/ }, () => ({ path: 'installer', namespace: 'trimmed' }));
    // which-package-manager (Yeoman's `npm -v`) and unicorn-magic (execFile
    // helpers beside read-pkg's toPath) import node:child_process at load
    // (1 to 2 ms of a run) for commands a run never starts: their functions
    // load it at the first call; util.promisify of exec and execFile still
    // gives { stdout, stderr }.
    plugin.onResolve({ filter: /^(node:)?child_process$/ }, (args) => {
      if (!yeoman('which-package-manager', 'unicorn-magic').test(args.importer)) return undefined;
      return { path: 'child_process', namespace: 'lazy-child-process' };
    });
    plugin.onLoad({ filter: /.*/, namespace: 'lazy-child-process' }, () => {
      const call = (name) => `(...args) => process.getBuiltinModule('node:child_process').${name}(...args)`;
      const promised = (name) => `Object.assign(${call(name)}, { [promisify.custom]: (...args) => promisify(process.getBuiltinModule('node:child_process').${name})(...args) })`;
      const contents = `import { promisify } from 'node:util';\nexport const exec = ${promised('exec')};\nexport const execFile = ${promised('execFile')};\nexport const execFileSync = ${call('execFileSync')};`;
      return { contents, loader: 'js' };
    });
    plugin.onResolve({ filter: new RegExp(`^(${Object.keys(left).map((name) => name.replace(/[/.-]/g, (c) => `\\${c}`)).join('|')})$`) }, (args) => {
      // Only where the named Yeoman package imports it: anywhere else it is bundled as usual.
      if (!left[args.path].from.test(args.importer)) return undefined;
      return { path: args.path, namespace: 'left-out' };
    });
    // ora, which Yeoman's adapter creates for progress spinners it never shows
    // here, imports string-width, whose module sets up an Intl.Segmenter and
    // Unicode property expressions (some 30 ms): that module is evaluated at the
    // first width measured (a bundled require is evaluated when first called).
    plugin.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.pluginData === 'real' || !/[\\/]node_modules[\\/]ora[\\/]/.test(args.importer)) return undefined;
      const real = await plugin.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, pluginData: 'real' });
      return { path: real.path, namespace: 'lazy-width' };
    });
    plugin.onLoad({ filter: /.*/, namespace: 'lazy-width' }, (args) => ({
      contents: `let real;\nexport default function stringWidth(...args) { real ??= require(${JSON.stringify(args.path)}).default; return real(...args); }`,
      loader: 'js',
      resolveDir: root,
    }));
    // ora takes its default spinners (dots, or line without Unicode) from
    // cli-spinners; Yeoman's adapter names no other: the rest of the list stays out.
    plugin.onResolve({ filter: /^cli-spinners$/ }, (args) => {
      if (!/[\\/]node_modules[\\/]ora[\\/]/.test(args.importer)) return undefined;
      return { path: 'cli-spinners', namespace: 'default-spinners' };
    });
    plugin.onLoad({ filter: /.*/, namespace: 'default-spinners' }, () => {
      const { dots, line } = JSON.parse(readFileSync(join(root, 'node_modules', 'cli-spinners', 'spinners.json'), 'utf8'));
      if (!dots || !line) throw new Error('cli-spinners has no dots or line spinner: update scripts/build.mjs.');
      return { contents: `export default ${JSON.stringify({ dots, line })};`, loader: 'js' };
    });
    // The adapter package exports its test adapter (with a prompt module of its own) beside the real one.
    plugin.onResolve({ filter: /^\.\/testing\/index\.js$/ }, (args) => {
      if (!/[\\/]node_modules[\\/]@yeoman[\\/]adapter[\\/]dist[\\/]index\.js$/.test(args.importer)) return undefined;
      return { path: '@yeoman/adapter/testing', namespace: 'left-out' };
    });
    // Yeoman's adapter makes its prompt module when it is created: inquirer and
    // its prompts are loaded at the first prompt instead (a run with --yes asks
    // nothing; an interactive one has loaded them for its first question).
    plugin.onResolve({ filter: /^\.\/inquirer\.js$/ }, (args) => {
      if (!/[\\/]node_modules[\\/]@yeoman[\\/]adapter[\\/]dist[\\/]adapter\.js$/.test(args.importer)) return undefined;
      return { path: join(args.resolveDir, args.path), namespace: 'lazy-prompt' };
    });
    plugin.onLoad({ filter: /.*/, namespace: 'lazy-prompt' }, (args) => {
      const contents = [
        'export const createAdapterPromptModule = (parameter) => {',
        '  let module;',
        `  return (questions, answers) => (module ??= import(${JSON.stringify(args.path)}).then((real) => real.createAdapterPromptModule(parameter))).then((prompt) => prompt(questions, answers));`,
        '};',
      ].join('\n');
      return { contents, loader: 'js', resolveDir: root };
    });
    plugin.onLoad({ filter: /.*/, namespace: 'left-out' }, (args) => {
      const fail = `function () { throw new Error(${JSON.stringify(`create-ml-project leaves ${args.path} out of its bundle.`)}); }`;
      const contents = left[args.path].exports.map((name) => (name === 'default' ? `export default ${fail};` : `export const ${name} = ${fail};`)).join('\n') || 'export {};';
      return { contents, loader: 'js' };
    });
    plugin.onResolve({ filter: /^rxjs$/ }, async (args) => {
      if (args.pluginData === 'real') return undefined;
      const real = await plugin.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, pluginData: 'real' });
      const esm = real.path.replace(/([\\/]dist[\\/])cjs([\\/]index\.js)$/, '$1esm$2');
      if (esm === real.path) throw new Error(`rxjs resolved to ${real.path}, not its CommonJS build: update scripts/build.mjs.`);
      return { path: esm };
    });
    const names = Object.keys(deferred).map((name) => name.replace(/[/.-]/g, (c) => `\\${c}`));
    plugin.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, async (args) => {
      if (args.pluginData === 'real') return undefined;
      const real = await plugin.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, pluginData: 'real' });
      const { script } = deferred[args.path];
      if (deferredFiles.has(script) && deferredFiles.get(script) !== real.path) throw new Error(`Two copies of ${args.path} are bundled: update scripts/build.mjs.`);
      deferredFiles.set(script, real.path);
      return { path: real.path, namespace: 'trimmed', pluginData: args.path };
    });
    plugin.onLoad({ filter: /.*/, namespace: 'trimmed' }, (args) => {
      if (args.path === 'installer') {
        return { contents: "export default function () { throw new Error('create-ml-project does not install Yeoman generators.'); }", loader: 'js' };
      }
      const { exports, script } = deferred[args.pluginData];
      // Beside the job that calls it, in dist/jobs/.
      const load = runJobScript(script, '.');
      const contents = exports
        .map((name) => (name === 'default' ? `export default async function (...args) { return ${load}.default(...args); }` : `export const ${name} = async (...args) => ${load}.${name}(...args);`))
        .join('\n');
      return { contents, loader: 'js', resolveDir: root };
    });
  },
};

// Bundled packages use import.meta.url (read where their module lies) and __dirname: a CommonJS script has the latter.
const common = {
  absWorkingDir: root,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.cjs' },
  // Optional native speed-ups of ssh2: it falls back to JavaScript when they are missing.
  external: ['cpu-features', '*.node'],
  define: { 'import.meta.url': '__cmpModuleUrl' },
  banner: { js: "var __cmpModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  minify: true,
  // Error and class names stay as written: code compares them (ExitPromptError and the like).
  keepNames: true,
  legalComments: 'none',
  // The maps serve the tests that check what code a command runs (test/helpers/loaded.ts); they are not published.
  sourcemap: 'external',
  sourcesContent: false,
  metafile: true,
  logLevel: 'warning',
};
const entries = await build({
  ...common,
  entryPoints: { 'create-ml-project': 'src/create-ml-project.ts', 'ml-project': 'src/ml-project.ts' },
  outdir,
  plugins: [jobScripts],
});
const jobsBuild = await build({
  ...common,
  entryPoints: Object.fromEntries(jobs.map((name) => [name, `src/${name}/cli.ts`])),
  outdir: join(outdir, 'jobs'),
  plugins: [sourceEdits, trimmed, adapterInquirer],
});
const deferredBuild = await build({ ...common, entryPoints: Object.fromEntries(deferredFiles), outdir: join(outdir, 'jobs') });
const builds = [entries, jobsBuild, deferredBuild];
const metafile = { inputs: Object.assign({}, ...builds.map((b) => b.metafile.inputs)), outputs: Object.assign({}, ...builds.map((b) => b.metafile.outputs)) };

/** The folder of the npm package an input file belongs to. */
function packageDir(input) {
  if (input.includes(':')) return undefined;
  const parts = input.split('/');
  const at = parts.lastIndexOf('node_modules');
  if (at < 0) return undefined;
  return parts.slice(0, at + (parts[at + 1]?.startsWith('@') ? 3 : 2)).join('/');
}

const packages = new Map();
for (const input of Object.keys(metafile.inputs)) {
  const dir = packageDir(input);
  if (!dir || packages.has(dir)) continue;
  const manifest = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8'));
  const licenceFile = readdirSync(join(root, dir)).find((name) => /^(licen[cs]e|copying)(\.|$)/i.test(name));
  packages.set(dir, { name: manifest.name, version: manifest.version, license: manifest.license, text: licenceFile ? readFileSync(join(root, dir, licenceFile), 'utf8').trim() : undefined });
}
const sections = [...packages.values()]
  .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  .filter((p, i, all) => i === 0 || `${p.name}@${p.version}` !== `${all[i - 1].name}@${all[i - 1].version}`)
  .map((p) => `${p.name} ${p.version} (${p.license ?? 'see text'})\n\n${p.text ?? `License: ${p.license}`}`);
// Bundle files of earlier builds that this one did not write.
const written = new Set(Object.keys(metafile.outputs).map((file) => resolve(root, file)));
for (const entry of readdirSync(outdir, { recursive: true, withFileTypes: true })) {
  const file = join(entry.parentPath, entry.name);
  if (entry.isFile() && /\.(mjs|cjs|map)$/.test(file) && !written.has(file)) rmSync(file);
}

// Each .ejs template compiled to its function now rather than on every run
// (src/generate/precompiled.ts takes one only for the exact text it came from).
// A script whose value is the table, not a module, as EJS's functions use
// `with`; the options are render.ts's.
const templatesDir = join(root, 'templates');
const compiled = readdirSync(templatesDir, { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith('.ejs'))
  .map((entry) => {
    const file = join(entry.parentPath, entry.name);
    const path = relative(templatesDir, file).split(sep).join('/');
    const content = readFileSync(file);
    const render = ejs.compile(content.toString('utf8'), { filename: path, async: false, client: true });
    return `${JSON.stringify(path)}: { sha256: ${JSON.stringify(createHash('sha256').update(content).digest('hex'))}, render: ${render.toString()} },`;
  })
  .sort();
// In ASCII like the bundles (a template's other characters as escapes), which reads fastest.
const table = `// Written by scripts/build.mjs from templates/.\n({\n${compiled.join('\n')}\n});\n`;
writeFileSync(join(outdir, 'jobs', 'templates.js'), table.replace(/[^\0-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));

// What went where, for the tests that check which packages a command loads (not published).
writeFileSync(join(outdir, 'metafile.json'), JSON.stringify(metafile));
writeFileSync(
  join(outdir, 'THIRD-PARTY-LICENSES.txt'),
  `The files in dist/ include the following packages, under these licences.\n\n${sections.join(`\n\n${'-'.repeat(72)}\n\n`)}\n`,
);
