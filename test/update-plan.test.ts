/**
 * The pure parts of update: the per-file decision from three trees, version
 * order, --set parsing and the rewrite of .yo-rc.json.
 */
import { describe, expect, it } from 'vitest';
import { parseSets } from '../src/update/cli.js';
import { defaultAnswers } from '../src/generate/answers.js';
import { replaceStoredEntry, storedConfig } from '../src/generate/stored.js';
import { describeOutcome, planUpdate, type Tree } from '../src/update/plan.js';
import { compareVersions, isVersion } from '../src/update/version-order.js';

const tree = (entries: Record<string, string>): Tree =>
  new Map(Object.entries(entries).map(([path, oid]) => [path, { mode: oid.endsWith('x') ? '100755' : '100644', oid }]));

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
  ];
  it.each(cases)('%s', (_, base, ours, theirs, action) => {
    const plan = planUpdate(tree(base), tree(ours), tree(theirs));
    expect(plan).toEqual(action ? [{ path: 'f', action }] : []);
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
