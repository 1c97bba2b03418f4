/**
 * The pure parts of update: the per-file decision from three trees, version
 * order, --set parsing and the rewrite of .yo-rc.json.
 */
import { describe, expect, it } from 'vitest';
import { parseSets } from '../src/update/cli.js';
import { defaultAnswers } from '../src/generate/answers.js';
import { replaceStoredEntry, storedConfig } from '../src/generate/stored.js';
import { planUpdate, untrackedWrites, type DiskKind, type Tree } from '../src/update/plan.js';
import { describeOutcome } from '../src/update/report.js';
import { changedValues, planDotenv } from '../src/update/dotenv.js';
import { unquote } from '../src/shared/dotenv.js';
import { compareVersions, isVersion } from '../src/update/version-order.js';

// An oid ending in x is an executable, in l a symbolic link, in s a submodule.
const modes: Record<string, string> = { x: '100755', l: '120000', s: '160000' };
const tree = (entries: Record<string, string>): Tree =>
  new Map(Object.entries(entries).map(([path, oid]) => [path, { mode: modes[oid.at(-1)!] ?? '100644', oid }]));

describe('planUpdate', () => {
  const cases: [string, Record<string, string>, Record<string, string>, Record<string, string>, string | undefined][] = [
    // name, base, ours, theirs, action (undefined: not listed)
    ['nobody changed it', { f: 'a' }, { f: 'a' }, { f: 'a' }, undefined],
    ['only you changed it', { f: 'a' }, { f: 'b' }, { f: 'a' }, undefined],
    ['only the template changed it', { f: 'a' }, { f: 'a' }, { f: 'c' }, 'updated'],
    ['both made the same change', { f: 'a' }, { f: 'c' }, { f: 'c' }, undefined],
    ['both changed it', { f: 'a' }, { f: 'b' }, { f: 'c' }, 'merge'],
    ['the template made it executable', { f: 'a' }, { f: 'a' }, { f: 'ax' }, 'updated'],
    ['new in the template', {}, {}, { f: 'c' }, 'added'],
    ['new in the template and yours too', {}, { f: 'b' }, { f: 'c' }, 'merge'],
    ['you added it', {}, { f: 'b' }, {}, undefined],
    ['you deleted it, the template did not change it', { f: 'a' }, {}, { f: 'a' }, undefined],
    ['you deleted it, the template changed it', { f: 'a' }, {}, { f: 'c' }, 'kept-deleted'],
    ['the template dropped it, you never changed it', { f: 'a' }, { f: 'a' }, {}, 'removed'],
    ['the template dropped it, you changed it', { f: 'a' }, { f: 'b' }, {}, 'kept-changed'],
    ['both deleted it', { f: 'a' }, {}, {}, undefined],
    ['you made it a link, the template changed it', { f: 'a' }, { f: 'bl' }, { f: 'c' }, 'kept-link'],
    ['you made it a link, the template made it executable', { f: 'a' }, { f: 'bl' }, { f: 'ax' }, 'kept-link'],
    ['your link, and the template adds a file there', {}, { f: 'bl' }, { f: 'c' }, 'kept-link'],
    ['you made it a link, the template dropped it', { f: 'a' }, { f: 'bl' }, {}, 'kept-changed'],
    ['you made it a link, the template did not change it', { f: 'a' }, { f: 'bl' }, { f: 'a' }, undefined],
    ['a submodule where the template changed a file', { f: 'a' }, { f: 'bs' }, { f: 'c' }, 'blocked'],
  ];
  it.each(cases)('%s', (_, base, ours, theirs, action) => {
    const plan = planUpdate(tree(base), tree(ours), tree(theirs));
    expect(plan.map(({ path, action }) => ({ path, action }))).toEqual(action ? [{ path: 'f', action }] : []);
  });

  // What is on disk where ours tracks nothing decides whether git's merge would overwrite, delete or rename something.
  const inTheWay: [string, Record<string, string>, Record<string, string>, Record<string, string>, Record<string, DiskKind>, Record<string, unknown>][] = [
    // name, base, ours, theirs, disk, expected blocked paths -> blocker (fields checked)
    ['an untracked file where the template adds one', {}, {}, { 'configs/local.yml': 'c' }, { configs: 'folder', 'configs/local.yml': 'file' }, { 'configs/local.yml': { kind: 'untracked', disk: 'file', change: 'adds' } }],
    ['an untracked link where the template adds a file', {}, {}, { 'a.yml': 'c' }, { 'a.yml': 'link' }, { 'a.yml': { kind: 'untracked', disk: 'link' } }],
    ['a FIFO where the template adds a file', {}, {}, { 'a.yml': 'c' }, { 'a.yml': 'special' }, { 'a.yml': { kind: 'untracked', disk: 'special' } }],
    ['your untracked copy of a file you deleted from git, which the template changed', { 'c.yml': 'a' }, {}, { 'c.yml': 'c' }, { 'c.yml': 'file' }, { 'c.yml': { kind: 'untracked', change: 'changed' } }],
    ['an untracked folder of files where the template adds a file', {}, {}, { mlruns: 'c' }, { mlruns: 'folder' }, { mlruns: { kind: 'folder-for-file', tracked: false } }],
    ['an empty folder where the template adds a file', {}, {}, { notes: 'c' }, { notes: 'clear-folder' }, {}],
    ['a tracked folder where the template adds a file', {}, { 'notes/a': 'b' }, { notes: 'c' }, { notes: 'clear-folder' }, { notes: { kind: 'folder-for-file', tracked: true } }],
    ['a folder the template turns into a file, nothing else in it', { 'n/a': 'a' }, { 'n/a': 'a' }, { n: 'c' }, { n: 'clear-folder' }, {}],
    ['a tracked file where the template adds a folder', {}, { docs: 'b' }, { 'docs/u.md': 'c' }, {}, { docs: { kind: 'file-for-folder', tracked: true, link: false, inside: 'docs/u.md' } }],
    ['a tracked link where the template adds a folder', {}, { docs: 'bl' }, { 'docs/u.md': 'c' }, {}, { docs: { kind: 'file-for-folder', tracked: true, link: true } }],
    ['an untracked file where the template adds a folder', {}, {}, { 'docs/u.md': 'c' }, { docs: 'file' }, { docs: { kind: 'file-for-folder', tracked: false, link: false } }],
    ['an untracked link where the template adds a folder', {}, {}, { 'a/b/c': 'c' }, { a: 'folder', 'a/b': 'link' }, { 'a/b': { kind: 'file-for-folder', tracked: false, link: true } }],
    ['a file the template turns into a folder, unchanged by you', { docs: 'a' }, { docs: 'a' }, { 'docs/u.md': 'c' }, {}, {}],
    ['a file the template turns into a folder, changed by you', { docs: 'a' }, { docs: 'b' }, { 'docs/u.md': 'c' }, {}, { docs: { kind: 'file-for-folder', tracked: true } }],
    ['.yo-rc.json not committed', { '.yo-rc.json': 'a' }, {}, { '.yo-rc.json': 'c' }, { '.yo-rc.json': 'file' }, { '.yo-rc.json': { kind: 'record-untracked' } }],
    ['an untracked file at a path the template leaves alone', { f: 'a' }, {}, { f: 'a' }, { f: 'file' }, {}],
    ['an untracked folder on the way to a new file', {}, {}, { 'docs/u.md': 'c' }, { docs: 'folder' }, {}],
  ];
  it.each(inTheWay)('blocked: %s', (_, base, ours, theirs, disk, expected) => {
    const plan = planUpdate(tree(base), tree(ours), tree(theirs), new Map(Object.entries(disk)));
    const blocked = Object.fromEntries(plan.filter((item) => item.action === 'blocked').map((item) => [item.path, item.blocker]));
    expect(Object.keys(blocked).sort()).toEqual(Object.keys(expected).sort());
    for (const [path, blocker] of Object.entries(expected)) expect(blocked[path]).toMatchObject(blocker as object);
  });

  it('inspects the paths the merge writes where ours tracks nothing', () => {
    expect(untrackedWrites(tree({ a: '1', b: '1', 'c.yml': '1' }), tree({ a: '1', b: '1' }), tree({ a: '2', b: '1', 'c.yml': '2', 'd/e': '1' }))).toEqual(['c.yml', 'd/e']);
  });

  it('lists paths in code-point order, grouped under headings', () => {
    const plan = planUpdate(tree({ b: '1', a: '1', c: '1' }), tree({ b: '1', a: '2', c: '1' }), tree({ b: '2', a: '3', c: '1', d: '1' }));
    expect(plan.map((p) => p.path)).toEqual(['a', 'b', 'd']);
    expect(describeOutcome({ plan, conflicts: new Set(['a']) }, false)).toEqual([
      'Updated (changed by the template only):', '  b',
      'Added (new in the template):', '  d',
      'Conflicts (both changed the same lines: look for <<<<<<< markers):', '  a',
    ]);
    expect(describeOutcome({ plan, conflicts: new Set() }, true)[4]).toBe("Would merge (your changes and the template's):");
  });
});

describe('compareVersions', () => {
  it.each([
    ['0.1.0', '0.2.0', -1],
    ['0.10.0', '0.9.9', 1],
    ['1.0.0', '1.0.0', 0],
    ['1.0.0-beta.2', '1.0.0-beta.10', -1],
    ['1.0.0-rc.1', '1.0.0', -1],
    ['1.0.0-alpha', '1.0.0-alpha.1', -1],
    ['1.0.0-1', '1.0.0-alpha', -1],
    ['v2.0.0', '1.9.9', 1],
  ])('%s vs %s', (a, b, sign) => expect(compareVersions(a, b)).toBe(sign));

  it('knows a version when it sees one', () => {
    expect(isVersion('0.2.0')).toBe(true);
    expect(isVersion('latest')).toBe(false);
    expect(isVersion('1.2')).toBe(false);
  });
});

describe('parseSets', () => {
  it('takes names and flags, booleans as booleans, and leaves values to the questions', () => {
    expect(parseSets(['jupyterPort=9000', 'pre-commit=false', 'description=a=b'])).toEqual({ jupyterPort: '9000', precommit: false, description: 'a=b' });
  });
  it.each([
    [['jupyterPort'], '--set takes KEY=VALUE'],
    [['=9000'], '--set takes KEY=VALUE'],
    [['jupytrPort=1'], 'Did you mean jupyterPort?'],
    [['jupyterPort=1', 'jupyter-port=2'], 'given twice'],
  ])('refuses %j', (pairs, message) => expect(() => parseSets(pairs)).toThrow(message));
});

describe('replaceStoredEntry', () => {
  it('writes the new entry and keeps other generators\' entries', async () => {
    const answers = await defaultAnswers({ projectName: 'churn' });
    expect(replaceStoredEntry(storedConfig(answers, '0.1.0'), answers, '0.2.0')).toBe(storedConfig(answers, '0.2.0'));
    const shared = JSON.stringify({ 'generator-other': { x: 1 }, 'create-ml-project': { version: '0.1.0', answers: {} } });
    const next = JSON.parse(replaceStoredEntry(shared, answers, '0.2.0'));
    expect(Object.keys(next)).toEqual(['generator-other', 'create-ml-project']);
    expect(next['generator-other']).toEqual({ x: 1 });
    expect(next['create-ml-project'].version).toBe('0.2.0');
  });
});

describe('.env lines that follow the answers', () => {
  const example = (name: string, jupyter: number, mlflow: number) =>
    `# Settings\nCOMPOSE_PROJECT_NAME='${name}'\n\nJUPYTER_TOKEN=\n\nJUPYTER_HOST_PORT=${jupyter}\nMLFLOW_HOST_PORT=${mlflow}\n\nUSER_UID=1000\n`;

  it('finds the keys whose value .env.example changes, quotes or not', () => {
    expect(changedValues(example('churn', 8888, 5000), example('churn', 18999, 5000))).toEqual([{ key: 'JUPYTER_HOST_PORT', from: '8888', to: '18999' }]);
    expect(changedValues(example('churn', 8888, 5000), example('churn-2', 8888, 5100)).map((c) => c.key)).toEqual(['COMPOSE_PROJECT_NAME', 'MLFLOW_HOST_PORT']);
    expect(changedValues(example('churn', 8888, 5000), example('churn', 8888, 5000))).toEqual([]);
    expect(changedValues("A='x'\n", 'A=x\n')).toEqual([]);
    expect(changedValues('A=1\n', 'B=2\n')).toEqual([]);
  });

  const changes = [
    { key: 'JUPYTER_HOST_PORT', from: '8888', to: '18999' },
    { key: 'COMPOSE_PROJECT_NAME', from: "'churn'", to: "'churn-2'" },
  ];
  it.each([
    // name, .env, expected .env, changed keys, keys left to change by hand
    ['a copy of .env.example', "COMPOSE_PROJECT_NAME='churn'\nJUPYTER_TOKEN=abc\nJUPYTER_HOST_PORT=8888\n", "COMPOSE_PROJECT_NAME='churn-2'\nJUPYTER_TOKEN=abc\nJUPYTER_HOST_PORT=18999\n", ['COMPOSE_PROJECT_NAME', 'JUPYTER_HOST_PORT'], []],
    ['CRLF line endings, no final newline', 'X=1\r\nJUPYTER_HOST_PORT=8888\r\nY=2', 'X=1\r\nJUPYTER_HOST_PORT=18999\r\nY=2', ['JUPYTER_HOST_PORT'], []],
    ['export, blanks and a comment around the value', '  export JUPYTER_HOST_PORT = 8888   # the notebook\n', '  export JUPYTER_HOST_PORT = 18999   # the notebook\n', ['JUPYTER_HOST_PORT'], []],
    ['the same value, quoted another way', 'COMPOSE_PROJECT_NAME=churn\nJUPYTER_HOST_PORT="8888"\n', "COMPOSE_PROJECT_NAME='churn-2'\nJUPYTER_HOST_PORT=18999\n", ['COMPOSE_PROJECT_NAME', 'JUPYTER_HOST_PORT'], []],
    ['a value the user chose', 'JUPYTER_HOST_PORT=9999\nCOMPOSE_PROJECT_NAME=mine\n', 'JUPYTER_HOST_PORT=9999\nCOMPOSE_PROJECT_NAME=mine\n', [], ['JUPYTER_HOST_PORT', 'COMPOSE_PROJECT_NAME']],
    ['already the new value', 'JUPYTER_HOST_PORT=18999\n', 'JUPYTER_HOST_PORT=18999\n', [], []],
    ['a commented-out line and a key that only starts the same', '# JUPYTER_HOST_PORT=8888\nJUPYTER_HOST_PORT_2=8888\n', '# JUPYTER_HOST_PORT=8888\nJUPYTER_HOST_PORT_2=8888\n', [], []],
    ['no such key', 'OTHER=1\n', 'OTHER=1\n', [], []],
    ['the key twice', 'JUPYTER_HOST_PORT=8888\nJUPYTER_HOST_PORT=9999\n', 'JUPYTER_HOST_PORT=18999\nJUPYTER_HOST_PORT=9999\n', ['JUPYTER_HOST_PORT'], ['JUPYTER_HOST_PORT']],
  ])('%s', (_, before, after, changed, byHand) => {
    const plan = planDotenv(before, changes);
    expect(plan.text).toBe(after);
    expect(plan.changed.map((c) => c.key)).toEqual(changed);
    expect(plan.byHand.map((c) => c.key)).toEqual(byHand);
  });

  it('keeps bytes that are not UTF-8 as they are', () => {
    const bytes = Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9, 0xff]), Buffer.from('\nJUPYTER_HOST_PORT=8888\n')]);
    const plan = planDotenv(bytes.toString('latin1'), changes);
    expect(Buffer.from(plan.text, 'latin1')).toEqual(Buffer.concat([Buffer.from('# caf'), Buffer.from([0xe9, 0xff]), Buffer.from('\nJUPYTER_HOST_PORT=18999\n')]));
  });

  it('reads values as compose does', () => {
    expect(unquote("'a b'")).toBe('a b');
    expect(unquote('"a\\"b"')).toBe('a"b');
    expect(unquote('plain')).toBe('plain');
  });
});
