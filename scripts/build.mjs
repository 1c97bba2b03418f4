#!/usr/bin/env node
// Bundles the two command-line entries into dist/ (run after `tsc --noEmit`):
// dist/create-ml-project.cjs and dist/ml-project.cjs, small (the flags, --help,
// which job to run), and each job in one script of dist/jobs/ (generate.cjs,
// update.cjs, runner.cjs with dockerode), run only when a command needs it,
// with V8's code cache; beside them the packages a run may not need (Yeoman,
// the prompts, yaml...) in scripts of their own, and the templates compiled to
// functions (dist/jobs/templates.js). CommonJS rather than ES modules: Node 20
// keeps no compiled code of modules between runs, and sets up its module
// loader for the first ES module a run imports. Every runtime dependency is
// inside, so the published package installs nothing else; their licence
// texts go to dist/THIRD-PARTY-LICENSES.txt.
import { readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
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
//
// Deferred packages run from scripts of their own in dist/jobs/, shared by the
// jobs, when a run first uses them: the code a command never runs is neither
// read nor deserialized. Yeoman (environment and generator, with what they
// load) serves generating only once the answers are known; the prompt library
// (inquirer, and Yeoman's adapter's module of it) serves a run that asks;
// yaml, a run given a YAML file; the editor prompt's external editor with its
// encodings, and latest-version with its HTTP client (for generators that add
// npm dependencies), almost none. Each export is one of: `call`, a function
// that runs the script at its first call; `async`, the same for an async
// function; `value`, taken from the script when the module importing it is
// evaluated (the generator class, extended by src/generate/generator.ts,
// which src/generate/cli.ts imports only when Yeoman is needed). An import of
// anything else of such a package fails the build.
const deferred = {
  'yeoman-environment': { script: 'yeoman', exports: { createEnv: 'call' } },
  'yeoman-generator': { script: 'yeoman', exports: { default: 'value' } },
  inquirer: { script: 'prompt', exports: { createPromptModule: 'call' } },
  yaml: { script: 'yaml', exports: { parseDocument: 'call', stringify: 'call' } },
  '@inquirer/external-editor': { script: 'external-editor', exports: { editAsync: 'async' } },
  'latest-version': { script: 'latest-version', exports: { default: 'async' } },
};
/** The name a package's exports have in its script's exports. */
const namespaceOf = (name) => name.replace(/[^A-Za-z0-9]/g, '_');
/** For each script, the modules it exports (namespace -> file), as the builds resolve them. */
const deferredFiles = new Map();
function deferredFile(script, namespace, path) {
  const files = deferredFiles.get(script) ?? new Map();
  if (files.has(namespace) && files.get(namespace) !== path) throw new Error(`Two copies of ${namespace} are bundled (${files.get(namespace)}, ${path}): update scripts/build.mjs.`);
  deferredFiles.set(script, files.set(namespace, path));
}
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
/** The folder of Yeoman's adapter, as yeoman-environment finds it. */
async function adapterDir(plugin) {
  const adapter = await plugin.resolve('@yeoman/adapter', { resolveDir: join(root, 'node_modules', 'yeoman-environment'), kind: 'import-statement', pluginData: 'real' });
  if (adapter.errors.length > 0) throw new Error('@yeoman/adapter not found from yeoman-environment: update scripts/build.mjs.');
  return adapter.path.slice(0, adapter.path.lastIndexOf(`${sep}dist${sep}`));
}
/** The trimming of Yeoman and the deferred packages, for a build of the jobs (`own` undefined) or of the script `own`, which bundles its own packages. */
const trimmed = (own) => ({
  name: 'trimmed',
  setup(plugin) {
    plugin.onResolve({ filter: /^(@npmcli\/arborist|registry-url|registry-auth-token)$/ }, (args) => {
      if (!yeoman('fly-import').test(args.importer)) return undefined;
      return { path: 'installer', namespace: 'trimmed' };
    });
    plugin.onResolve({ filter: new RegExp(`^(${Object.keys(left).map((name) => name.replace(/[/.-]/g, (c) => `\\${c}`)).join('|')})$`) }, (args) => {
      // Only where the named Yeoman package imports it: anywhere else it is bundled as usual.
      if (!left[args.path].from.test(args.importer)) return undefined;
      return { path: args.path, namespace: 'left-out' };
    });
    // Node modules that Yeoman's packages import at load for what a run
    // rarely needs, required when first used instead. node:child_process
    // brings Node's process, socket and datagram modules (some 8 ms here):
    // unicorn-magic (through find-up and npm-run-path) and
    // which-package-manager import it for functions the CLI never calls;
    // each function keeps what util.promisify makes of it. node:assert (some
    // 3 ms) serves mem-fs-editor and yeoman-generator for checks that hold in
    // every run: a check that holds is done here, and assert is loaded for
    // one that fails (to throw its error) or for any other of its functions.
    const lazyBuiltins = {
      child_process: {
        importers: yeoman('unicorn-magic', 'which-package-manager'),
        code: [
          "import { promisify } from 'node:util';",
          ...['exec', 'execFile', 'execFileSync'].flatMap((name) => [
            `export function ${name}(...args) { return real().${name}(...args); }`,
            `Object.defineProperty(${name}, promisify.custom, { value: (...args) => promisify(real().${name})(...args) });`,
          ]),
        ],
      },
      assert: {
        importers: yeoman('mem-fs-editor', 'yeoman-generator'),
        code: [
          'const ok = (value, ...rest) => (value ? undefined : real().ok(value, ...rest));',
          "export default new Proxy(function assert() {}, { apply: (_, self, args) => ok(...args), get: (_, key) => (key === 'ok' ? ok : real()[key]) });",
        ],
      },
    };
    plugin.onResolve({ filter: new RegExp(`^(node:)?(${Object.keys(lazyBuiltins).join('|')})$`) }, (args) => {
      const name = args.path.replace(/^node:/, '');
      if (!lazyBuiltins[name].importers.test(args.importer)) return undefined;
      return { path: name, namespace: 'lazy-builtin' };
    });
    plugin.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
      contents: [`const real = () => require('node:${args.path}');`, ...lazyBuiltins[args.path].code].join('\n'),
      loader: 'js',
      resolveDir: root,
    }));
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
    // Yeoman's adapter makes its prompt module when it is created: its module
    // of inquirer, in the prompt script, is run at the first prompt instead (a
    // run with --yes asks nothing; an interactive one has run it for its first question).
    plugin.onResolve({ filter: /^\.\/inquirer\.js$/ }, (args) => {
      if (!/[\\/]node_modules[\\/]@yeoman[\\/]adapter[\\/]dist[\\/]adapter\.js$/.test(args.importer)) return undefined;
      deferredFile('prompt', 'adapter', join(args.resolveDir, args.path));
      return { path: join(args.resolveDir, args.path), namespace: 'lazy-prompt' };
    });
    plugin.onLoad({ filter: /.*/, namespace: 'lazy-prompt' }, () => {
      const contents = [
        'export const createAdapterPromptModule = (parameter) => {',
        '  let prompt;',
        `  return (questions, answers) => (prompt ??= ${runJobScript('prompt', '.')}.adapter.createAdapterPromptModule(parameter))(questions, answers);`,
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
      const { script } = deferred[args.path];
      if (args.pluginData === 'real' || script === own) return undefined;
      // Inquirer as Yeoman's adapter imports it, whoever imports it (src/generate/prompts.ts asks the first question with it).
      const resolveDir = args.path === 'inquirer' ? await adapterDir(plugin) : args.resolveDir;
      const real = await plugin.resolve(args.path, { resolveDir, kind: 'import-statement', pluginData: 'real' });
      if (real.errors.length > 0) throw new Error(`${args.path} not found from ${resolveDir}: update scripts/build.mjs.`);
      deferredFile(script, namespaceOf(args.path), real.path);
      return { path: real.path, namespace: 'trimmed', pluginData: args.path };
    });
    plugin.onLoad({ filter: /.*/, namespace: 'trimmed' }, (args) => {
      if (args.path === 'installer') {
        return { contents: "export default function () { throw new Error('create-ml-project does not install Yeoman generators.'); }", loader: 'js' };
      }
      const name = args.pluginData;
      // Beside the job that calls it, in dist/jobs/.
      const from = `${runJobScript(deferred[name].script, '.')}.${namespaceOf(name)}`;
      const contents = Object.entries(deferred[name].exports)
        .map(([exported, kind]) => {
          const declared = exported === 'default' ? 'export default' : `export const ${exported} =`;
          if (kind === 'value') return `${declared} ${from}.${exported};`;
          return `${declared} ${kind === 'async' ? 'async ' : ''}function (...args) { return ${from}.${exported}(...args); }${exported === 'default' ? '' : ';'}`;
        })
        .join('\n');
      return { contents, loader: 'js', resolveDir: root };
    });
  },
});

// npm installs a package once for each place that needs a version the top
// level does not have, so one version may lie in several folders (inquirer's
// prompts each hold @inquirer/core 12 beside inquirer's own 11): each version
// of a package is bundled from one of its folders (the first in code-point order).
/** Each package folder below node_modules (real paths, as esbuild resolves them) -> the first folder of the same name and version. */
const canonical = new Map();
{
  /** name@version -> its folders, from a walk of node_modules. */
  const folders = new Map();
  (function walk(modules) {
    let entries;
    try {
      entries = readdirSync(modules, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const dirs = entry.name.startsWith('@') ? readdirSync(join(modules, entry.name), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => join(modules, entry.name, e.name)) : [join(modules, entry.name)];
      for (const dir of dirs) {
        try {
          const { name, version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
          if (name && version) folders.set(`${name}@${version}`, [...(folders.get(`${name}@${version}`) ?? []), dir]);
        } catch {
          // Not a package.
        }
        walk(join(dir, 'node_modules'));
      }
    }
  })(realpathSync(join(root, 'node_modules')));
  for (const dirs of folders.values()) {
    const [first] = dirs.sort();
    for (const dir of dirs) canonical.set(dir, first);
  }
}
const dedupe = {
  name: 'dedupe',
  setup(plugin) {
    plugin.onResolve({ filter: /^[^./]/ }, async (args) => {
      if (args.pluginData === 'dedupe' || args.path.startsWith('node:') || !args.importer) return undefined;
      const found = await plugin.resolve(args.path, { resolveDir: args.resolveDir, kind: args.kind, importer: args.importer, pluginData: 'dedupe' });
      const dir = found.errors.length === 0 && found.namespace === 'file' ? packageDir(found.path.split(sep).join('/')) : undefined;
      const first = dir && canonical.get(resolve(dir));
      if (!first || first === resolve(dir)) return undefined;
      return { path: join(first, relative(dir, found.path)), sideEffects: found.sideEffects };
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
  plugins: [sourceEdits, trimmed(undefined), dedupe],
});
// The deferred scripts, each once its first user is built (the prompt script and latest-version are Yeoman's).
const builds = [entries, jobsBuild];
for (const built = new Set(); built.size < deferredFiles.size; ) {
  const [script, files] = [...deferredFiles].find(([name]) => !built.has(name));
  built.add(script);
  const entry = [...files].map(([namespace, path]) => `export * as ${namespace} from ${JSON.stringify(path)};`).join('\n');
  builds.push(
    await build({
      ...common,
      stdin: { contents: entry, resolveDir: root, sourcefile: `the ${script} script` },
      outfile: join(outdir, 'jobs', `${script}.cjs`),
      plugins: [sourceEdits, trimmed(script), dedupe],
    }),
  );
}
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
// `with`; the options are render.ts's, without EJS's line tracking (which
// holds a second copy of each template: render.ts compiles a template again
// to say where one failed). Each function is made from the template's own
// text, which a run reads anyway: its literal parts are slices of that text
// rather than strings of their own, and the table holds only the code.
const templatesDir = join(root, 'templates');
/** EJS's literal for a template's text (see _addOutput in ejs.js), read back. */
const unescapeLiteral = (literal) => literal.replace(/\\([\\"nr])/g, (_, c) => ({ n: '\n', r: '\r' })[c] ?? c);
const compiled = readdirSync(templatesDir, { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith('.ejs'))
  .map((entry) => {
    const file = join(entry.parentPath, entry.name);
    const path = relative(templatesDir, file).split(sep).join('/');
    const content = readFileSync(file);
    const text = content.toString('utf8');
    const render = ejs.compile(text, { filename: path, async: false, client: true, compileDebug: false });
    let cursor = 0;
    const code = render.toString().replace(/^( {4}; __append\()"((?:[^"\\\n]|\\.)*)"\)$/gm, (whole, start, literal) => {
      const part = unescapeLiteral(literal);
      const at = text.indexOf(part, cursor);
      if (at < 0) return whole;
      cursor = at + part.length;
      return `${start}__source.slice(${at}, ${cursor}))`;
    });
    return `${JSON.stringify(path)}: { sha256: ${JSON.stringify(createHash('sha256').update(content).digest('hex'))}, render: (__source) => ${code} },`;
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
