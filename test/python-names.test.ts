/**
 * Names a package must not take because of what the generated project holds:
 * the list of names its .gitignore ignores is checked against the template
 * itself, so that a new ignore line cannot be forgotten here.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ignoredNames } from '../src/shared/python-names.js';
import { repoRoot, tempDir } from './helpers/generate.js';

/** The plain top-level names a .gitignore pattern list ignores that are Python identifiers. */
function identifiersIgnoredBy(gitignore: string): Set<string> {
  const names = new Set<string>();
  for (const raw of gitignore.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('!') || line.startsWith('<%')) continue;
    const name = line.replace(/^\//, '').replace(/\/$/, '');
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) names.add(name);
  }
  return names;
}

describe('names the generated .gitignore ignores', () => {
  const template = readFileSync(join(repoRoot, 'templates', '_gitignore.ejs'), 'utf8');

  it('are the ones templates/_gitignore.ejs ignores, no more and no fewer', () => {
    expect([...identifiersIgnoredBy(template)].sort()).toEqual([...ignoredNames].sort());
  });

  it('are really ignored by git as package folders (and a valid name is not)', () => {
    const dir = tempDir();
    // Both branches of the template's one `if`: the names are outside it.
    writeFileSync(join(dir, '.gitignore'), template.replace(/^<%.*%>$/gm, ''));
    execFileSync('git', ['init', '-q'], { cwd: dir });
    for (const name of [...ignoredNames, 'churn_model']) {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, '__init__.py'), '');
    }
    const ignored = (path: string) => {
      try {
        execFileSync('git', ['check-ignore', '-q', path], { cwd: dir });
        return true;
      } catch {
        return false;
      }
    };
    for (const name of ignoredNames) expect(ignored(`${name}/__init__.py`), name).toBe(true);
    expect(ignored('churn_model/__init__.py')).toBe(false);
  });
});
