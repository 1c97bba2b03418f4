/**
 * `update` and what git does not track where the new template writes:
 * untracked and ignored files, files where the template adds a folder,
 * folders where it adds a file, links, changes git hides. Each is kept byte
 * for byte, or the update stops before it starts (exit 2, not even an object
 * written) naming it and what to do; --dry-run predicts the same; and doing
 * what the message says gets the update through.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, linkSync, mkdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './helpers/generate.js';
import { create, packageCopy, replace } from './helpers/package-copy.js';
import { freshRender, git, projectCopy, read, run, snapshot, untouched } from './helpers/project-repo.js';

// 0.2.0 adds a file in an existing folder, a file in a new folder and a file at the root, and changes two files.
const edits = {
  'configs/local.yml': create("# The template's local settings\nlocal: true\n"),
  'docs/updating.md': create('# Updating\n'),
  notes: create("The template's notes.\n"),
  'configs/config.yml.ejs': replace('# Base configuration: every setting', '# The base configuration: every setting'),
  'Makefile.ejs': replace('# <%- projectName %>: `make` lists the targets.', '# <%- projectName %>: run `make` to list the targets.'),
};

let v2: string;
let expected: string;
beforeAll(async () => {
  v2 = packageCopy('0.2.0', edits);
  expected = await freshRender(v2);
});

/** A project with `prepare` done to it and committed where it changed tracked files. */
async function project(prepare: (dir: string) => void = () => undefined): Promise<string> {
  const dir = await projectCopy();
  prepare(dir);
  if (git(dir, 'status', '--porcelain', '--untracked-files=no') !== '') git(dir, 'commit', '-qam', 'Our changes');
  return dir;
}

/** The dry run and the update both refuse with the same words; nothing at all changes. */
async function refused(dir: string, lines: string[]) {
  const before = untouched(dir);
  const dry = await run(['update', '--dry-run'], dir, { bin: v2 });
  const real = await run(['update'], dir, { bin: v2 });
  for (const result of [dry, real]) {
    expect(result.code, result.stderr).toBe(2);
    for (const line of lines) expect(result.stderr).toContain(line);
    expect(result.stderr).toMatch(/\nNothing was changed\.\n$/);
  }
  expect(dry.stderr).toBe(real.stderr);
  expect(real.stdout).toBe('');
  expect(untouched(dir)).toEqual(before);
  return dry;
}

async function updated(dir: string) {
  const result = await run(['update'], dir, { bin: v2 });
  expect(result.stderr).toBe('');
  expect(result.code).toBe(0);
  expect(git(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
  return result;
}

const ignore = (dir: string, path: string) => appendFileSync(join(dir, '.gitignore'), `/${path}\n`);

describe('update: a file git does not track where the new template adds one', () => {
  it.each([
    ['configs/local.yml', 'local: false\n'],
    ['docs/updating.md', '# My notes on updating\n'],
    ['notes', 'call the data team\n'],
  ])('untracked %s: refused, named, kept; committed, it is merged with the template\'s', async (path, mine) => {
    const dir = await project((d) => {
      mkdirSync(join(d, path, '..'), { recursive: true });
      writeFileSync(join(d, path), mine);
    });
    const dry = await refused(dir, [`${path}: a file of yours that git does not track; the new template adds a file here. Rename or move yours`]);
    expect(dry.stdout).toContain('Would update (changed by the template only):');
    expect(dry.stdout).not.toMatch(new RegExp(`^  ${path}$`, 'm'));
    expect(read(dir, path)).toBe(mine);

    git(dir, 'add', path);
    git(dir, 'commit', '-qm', 'Mine');
    const predicted = await run(['update', '--dry-run'], dir, { bin: v2 });
    expect(predicted.stdout).toMatch(new RegExp(`Would conflict \\(both changed the same lines\\):\\n  ${path}\\n`));
    const merged = await run(['update'], dir, { bin: v2 });
    expect(merged.code).toBe(1);
    expect(merged.stdout).toMatch(new RegExp(`Conflicts \\(both changed the same lines: look for <<<<<<< markers\\):\\n  ${path}\\n`));
    expect(read(dir, path)).toContain(mine);
    expect(read(dir, path)).toContain(read(expected, path));
  });

  it.each([
    ['configs/local.yml', (d: string, p: string) => ignore(d, p)],
    ['docs/updating.md', (d: string, p: string) => appendFileSync(join(d, '.git', 'info', 'exclude'), `/${p}\n`)],
    ['notes', (d: string, p: string) => {
      writeFileSync(join(d, '.git', 'my-excludes'), `/${p}\n`);
      git(d, 'config', 'core.excludesFile', join(d, '.git', 'my-excludes'));
    }],
  ])('ignored %s: refused, named, kept (git would overwrite it); moved away, the update goes through', async (path, how) => {
    const dir = await project((d) => {
      how(d, path);
      mkdirSync(join(d, path, '..'), { recursive: true });
      writeFileSync(join(d, path), 'mine\n');
    });
    expect(git(dir, 'status', '--porcelain', '--untracked-files=all')).toBe('');
    await refused(dir, [`${path}: a file of yours that git does not track; the new template adds a file here.`]);
    expect(read(dir, path)).toBe('mine\n');

    renameSync(join(dir, path), join(dir, 'mine.bak'));
    ignore(dir, 'mine.bak');
    git(dir, 'commit', '-qam', 'Ignore the backup');
    const result = await updated(dir);
    expect(result.stdout).toMatch(new RegExp(`Added \\(new in the template\\):\\n(  .*\\n)*  ${path}\\n`));
    expect(read(dir, path)).toBe(read(expected, path));
    expect(read(dir, 'mine.bak')).toBe('mine\n');
  });

  it.each(['configs/local.yml', 'notes'])('an ignored FIFO at %s, where the template adds a file: refused, never opened', async (path) => {
    const dir = await project((d) => {
      ignore(d, path);
      execFileSync('mkfifo', [join(d, path)]);
    });
    await refused(dir, [`${path}: a special file (FIFO, socket or device) of yours that git does not track; the new template adds a file here.`]);
  });

  it.each(['configs/config.yml', 'Makefile'])('an ignored copy of %s, deleted from git, that the template changed: refused; moved away and back, the update goes through', async (path) => {
    const dir = await project((d) => {
      git(d, 'rm', '-q', '--cached', path);
      ignore(d, path);
      git(d, 'add', '.gitignore');
      writeFileSync(join(d, path), 'my own copy\n');
    });
    await refused(dir, [`${path}: a file of yours that git does not track (you deleted the template's from git); the template changed its file here`]);
    expect(read(dir, path)).toBe('my own copy\n');

    renameSync(join(dir, path), join(tempDir(), 'aside'));
    const result = await updated(dir);
    expect(result.stdout).toMatch(new RegExp(`Still deleted \\(you deleted them; the template changed them\\):\\n  ${path}\\n`));
    expect(git(dir, 'ls-files', path)).toBe('');
  });

  it.each([
    ['ignored', (d: string) => ignore(d, '.yo-rc.json')],
    ['untracked', () => undefined],
  ])('.yo-rc.json %s (not in git): refused with the command that commits it; committed, the update goes through', async (_, how) => {
    const dir = await project((d) => {
      git(d, 'rm', '-q', '--cached', '.yo-rc.json');
      how(d);
      git(d, 'add', '.gitignore');
    });
    const rc = read(dir, '.yo-rc.json');
    const dry = await refused(dir, ['.yo-rc.json: not committed; the update records the new answers and version in it', 'git add -f .yo-rc.json && git commit']);
    expect(dry.stderr).not.toContain('?? .yo-rc.json');
    expect(read(dir, '.yo-rc.json')).toBe(rc);

    git(dir, 'add', '-f', '.yo-rc.json');
    git(dir, 'commit', '-qm', 'Track .yo-rc.json');
    await updated(dir);
    expect(read(dir, '.yo-rc.json')).toBe(read(expected, '.yo-rc.json'));
  });
});

describe('update: files where the template adds a folder, folders where it adds a file', () => {
  const outside = () => {
    const folder = join(tempDir(), 'shared-docs');
    mkdirSync(folder);
    writeFileSync(join(folder, 'index.md'), 'shared\n');
    return folder;
  };
  it.each([
    ['a tracked file', (d: string) => writeFileSync(join(d, 'docs'), 'my docs\n'), 'docs: a file of yours; the new template adds a folder here (docs/updating.md), and git would rename yours'],
    ['an ignored file', (d: string) => {
      ignore(d, 'docs');
      writeFileSync(join(d, 'docs'), 'my docs\n');
    }, 'docs: a file of yours that git does not track; the new template adds a folder here (docs/updating.md)'],
    ['a tracked link to a folder elsewhere', (d: string) => symlinkSync(outside(), join(d, 'docs')), 'docs: a symbolic link of yours; the new template adds a folder here (docs/updating.md)'],
    ['an ignored link to a folder elsewhere', (d: string) => {
      ignore(d, 'docs');
      symlinkSync(outside(), join(d, 'docs'));
    }, 'docs: a symbolic link of yours that git does not track; the new template adds a folder here'],
  ])('%s named docs: refused, named, nothing renamed', async (_, how, line) => {
    const dir = await project((d) => {
      how(d);
      git(d, 'add', '-A');
    });
    await refused(dir, [line]);
  });

  it.each([
    ['a tracked folder', (d: string) => {
      mkdirSync(join(d, 'notes'));
      writeFileSync(join(d, 'notes', 'a.md'), 'a\n');
      git(d, 'add', '-A');
    }, 'notes/: a folder of yours; the new template adds a file here, and git would rename one of them'],
    ['an ignored folder of files', (d: string) => {
      ignore(d, 'notes/');
      mkdirSync(join(d, 'notes', 'deep'), { recursive: true });
      writeFileSync(join(d, 'notes', 'deep', 'cache.bin'), Buffer.from([0, 1, 2]));
      git(d, 'add', '-A');
    }, 'notes/: a folder holding files git does not track; the new template adds a file here, and the merge would delete them'],
  ])('%s named notes: refused, named, nothing deleted or renamed', async (_, how, line) => {
    const dir = await project(how);
    await refused(dir, [line]);
  });

  it('an empty folder where the template adds a file: nothing to lose, the update goes through', async () => {
    const dir = await project((d) => mkdirSync(join(d, 'notes')));
    await updated(dir);
    expect(read(dir, 'notes')).toBe(read(expected, 'notes'));
  });
});

describe('update: links', () => {
  it.each([
    ['Makefile', 'a file outside the project', () => join(tempDir(), 'Makefile.shared')],
    ['Makefile', 'a file inside it', () => 'Makefile.mine'],
    ['configs/config.yml', 'a file in another folder of it', () => '../shared-config.yml'],
  ])('%s replaced by a link to %s: kept as the link, never written through, listed; the template\'s version is in the template commit', async (path, _, target) => {
    const to = target();
    let content = '';
    const dir = await project((d) => {
      const file = resolve(d, dirname(path), to);
      content = `${readFileSync(join(d, path), 'utf8')}# mine, shared\n`;
      writeFileSync(file, content);
      rmSync(join(d, path));
      symlinkSync(to, join(d, path));
      git(d, 'add', '-A');
    });
    const dry = await run(['update', '--dry-run'], dir, { bin: v2 });
    expect(dry.stdout).toMatch(new RegExp(`Would keep your links \\(.*\\):\\n  ${path}\\n`));
    const result = await updated(dir);
    expect(result.stdout).toMatch(new RegExp(`Kept as your links \\(.*\\):\\n  ${path}\\n`));
    expect(result.stdout).not.toMatch(/Merged|Conflicts/);
    expect(readlinkSync(join(dir, path))).toBe(to);
    expect(readFileSync(resolve(dir, dirname(path), to), 'utf8')).toBe(content);
    expect(`${git(dir, 'show', `HEAD^2:${path}`)}\n`).toBe(read(expected, path));
    expect(git(dir, 'ls-files').split('\n').filter((p) => p.includes('~'))).toEqual([]);
  });

  it('an ignored link where the template adds a file: refused, the link and its target kept', async () => {
    const target = join(tempDir(), 'local.yml');
    writeFileSync(target, 'elsewhere: true\n');
    const dir = await project((d) => {
      ignore(d, 'configs/local.yml');
      symlinkSync(target, join(d, 'configs', 'local.yml'));
    });
    await refused(dir, ['configs/local.yml: a symbolic link of yours that git does not track; the new template adds a file here.']);
    expect(readFileSync(target, 'utf8')).toBe('elsewhere: true\n');
  });

  it.each(['Makefile', 'configs/config.yml', '.yo-rc.json'])('%s hard-linked to a file outside: replaced, the other file never written through', async (path) => {
    const other = join(tempDir(), 'other');
    const dir = await project();
    linkSync(join(dir, path), other);
    const before = readFileSync(other);
    await updated(dir);
    expect(readFileSync(other)).toEqual(before);
    expect(read(dir, path)).toBe(read(expected, path));
  });
});

describe('update: changes git hides', () => {
  it.each([
    ['configs/config.yml', 'assume-unchanged'],
    ['pyproject.toml', 'assume-unchanged'],
    ['Makefile', 'skip-worktree'],
  ])('%s edited and marked %s: refused, named with the command that shows it to git; the edit kept', async (path, flag) => {
    const dir = await project();
    git(dir, 'update-index', `--${flag}`, path);
    appendFileSync(join(dir, path), '# a local edit\n');
    const edited = read(dir, path);
    const before = snapshot(dir);
    const result = await run(['update'], dir, { bin: v2 });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${path} (marked ${flag}: git update-index --no-${flag} -- ${path})`);
    expect(read(dir, path)).toBe(edited);
    expect(snapshot(dir)).toEqual(before);
  });

  it('marked but not edited: no obstacle', async () => {
    const dir = await project();
    git(dir, 'update-index', '--assume-unchanged', 'pyproject.toml');
    await updated(dir);
  });
});
