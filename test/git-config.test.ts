/**
 * The identity read from git's global files, against real git: each config
 * file of a corpus (and a few hundred generated ones) is written to a fresh
 * home, and whenever the files give an answer it is the one that
 * `git config --get-regexp` gives there. The ordinary files must give one;
 * repositories, includes, environments that move config and files git
 * refuses must not. Then readGitIdentity, which asks git when the files do
 * not settle it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { identityFromConfigFiles, identityInNewRepository, outsideRepositories, type GitIdentity } from '../src/generate/git-config.js';
import { readGitIdentity } from '../src/generate/git.js';
import { tempDir } from './helpers/generate.js';

interface Case {
  /** ~/.gitconfig */
  home?: string | Buffer;
  /** $XDG_CONFIG_HOME/git/config, or ~/.config/git/config when the case sets no XDG_CONFIG_HOME. */
  xdg?: string;
  /** A file GIT_CONFIG_GLOBAL names. */
  global?: string;
  /** Variables besides PATH and HOME; `XDG` and `GLOBAL` in a value stand for the folders made for them. */
  env?: Record<string, string>;
}

interface Setup {
  cwd: string;
  env: NodeJS.ProcessEnv;
}

function setUp(c: Case): Setup {
  const root = tempDir('cmp-gitconfig-');
  const [home, xdgHome, cwd] = ['home', 'xdg', 'cwd'].map((name) => join(root, name)) as [string, string, string];
  for (const dir of [home, xdgHome, cwd]) mkdirSync(dir);
  const globalFile = join(root, 'global-config');
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, GIT_CONFIG_NOSYSTEM: '1' };
  for (const [key, value] of Object.entries(c.env ?? {})) env[key] = value.replace('XDG', xdgHome).replace('GLOBAL', globalFile);
  if (c.home !== undefined) writeFileSync(join(home, '.gitconfig'), c.home);
  if (c.xdg !== undefined) {
    const dir = join(env.XDG_CONFIG_HOME ? xdgHome : join(home, '.config'), 'git');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config'), c.xdg);
  }
  if (c.global !== undefined) writeFileSync(globalFile, c.global);
  return { cwd, env };
}

/** What git says in `cwd` with `env`, read as readGitIdentity reads git's output (no answer when git fails). */
function gitSays({ cwd, env }: Setup): GitIdentity {
  let stdout = '';
  try {
    stdout = execFileSync('git', ['config', '--null', '--get-regexp', '^user\\.(name|email)$'], { cwd, env, encoding: 'utf8', stdio: 'pipe' });
  } catch {
    return {};
  }
  const identity: GitIdentity = {};
  for (const entry of stdout.split('\0')) {
    const [key, ...value] = entry.split('\n');
    const text = value.join('\n').trim() || undefined;
    if (key === 'user.name') identity.name = text;
    if (key === 'user.email') identity.email = text;
  }
  return identity;
}

const ada = '[user]\n\tname = Ada Lovelace\n\temail = ada@example.com\n';

/** Files that settle the identity: the files must give git's answer. */
const answered: Record<string, Case> = {
  plain: { home: ada },
  'no final newline, no spaces around =': { home: '[user]\nname=Ada\nemail=ada@example.com' },
  'key on the header line': { home: '[user] name = Ada\n[user]email = ada@example.com\n' },
  'quotes around, inside and doubled': { home: '[user]\n  name = "  Ada  \\"The Countess\\"  "\n  email = a"da"@"example".com\n' },
  'quoted spaces kept at the ends, then trimmed': { home: '[user]\n  name = "   "Ada"   "\n  email = " ada@example.com "\n' },
  'escapes \\\\ \\" \\t \\n \\b': { home: '[user]\n\tname = A\\\\d\\"a\\tL\\bo\\nve\n\temail = ada@example.com\\n\n' },
  'escapes at the ends, trimmed': { home: '[user]\n\tname = \\tAda\\n\n\temail = "\\n ada@example.com \\t"\n' },
  'comments with # and ;': {
    home: '# top\n; also top\n  # indented\n[user] # after the header\n\tname = Ada # comment\n\temail = ada@example.com;comment "with quote\n; [user]\n#\tname = Not Ada\n',
  },
  'a comment ends at the line even after a backslash': { home: '[user]\n\tname = Ada # a comment \\\n\temail = ada@example.com\n' },
  'continuation lines': { home: '[user]\n\tname = Ada \\\n    Lovelace\n\temail = "ada@\\\nexample.com"\n' },
  'continuation right after =': { home: '[user]\n\tname = \\\n  Ada\n\temail = ada@example.com\n' },
  'CRLF line ends': { home: '[user]\r\n\tname = Ada \\\r\n Lovelace\r\n\temail = ada@example.com\r\n# c\r\n' },
  'UTF-8 byte-order mark': { home: `\uFEFF${ada}` },
  'non-ASCII values': { home: '[user]\n\tname = Åda Lövelace 🚀\n\temail = "ådà@exämple.com"\n' },
  'mixed-case sections and keys': { home: '[USER]\n\tNaMe = Ada\n[User]\n\tEMAIL = ada@example.com\n' },
  'subsections and legacy subsections do not count': {
    home: `${ada}[user "work"]\n\tname = Work\n\temail = work@example.com\n[user "User"]\n\tname = X\n[user.home]\n\tname = Home\n[User.Home]\n\temail = home@example.com\n[user ""]\n\tname = Empty\n`,
  },
  'subsection names with escapes and brackets': { home: `[remote "a \\"q\\" \\\\ ] [user] \\x"]\n\turl = x\n${ada}[alias]\n\tlg = "log --graph ; #"\n` },
  'repeated keys: the last wins': { home: '[user]\n\tname = First\n\temail = first@example.com\n\tname = Second\n[core]\n\tautocrlf = input\n[user]\n\temail = last@example.com\n' },
  'inner spaces and tabs': { home: '[user]\n\tname =    Ada \t  Lovelace   \n\temail =\tada@example.com\t\n' },
  'quoted = # ; inside values': { home: '[user]\n\tname = "Ada = #1; the first"\n\temail = "a#b;c=d@example.com"\n' },
  'empty values': { home: `${ada}[user]\n\tname =\n\temail = ""\n` },
  'a value only of spaces': { home: '[user]\n\tname = "   "\n\temail = ada@example.com\n' },
  'other sections with booleans and odd keys': { home: `[core]\n\tfilemode\n\tbare = false\n[a-b.c-d]\n\tk-1 = v\n[ "x"]\n\tk = v\n${ada}` },
  'a backslash at the end of the file': { home: '[user]\n\tname = Ada\n\temail = ada@example.com\\' },
  'XDG file alone': { xdg: ada },
  '~/.gitconfig overrides the XDG file': { xdg: '[user]\n\tname = Xdg\n\temail = xdg@example.com\n', home: '[user]\n\temail = home@example.com\n' },
  'name in the XDG file, email in ~/.gitconfig': { xdg: '[user]\n\tname = Xdg\n', home: '[user]\n\temail = home@example.com\n' },
  'XDG_CONFIG_HOME set': { env: { XDG_CONFIG_HOME: 'XDG' }, xdg: '[user]\n\tname = Xdg\n', home: '[user]\n\temail = home@example.com\n' },
  'XDG_CONFIG_HOME empty: ~/.config': { env: { XDG_CONFIG_HOME: '' }, xdg: '[user]\n\tname = Xdg\n', home: '[user]\n\temail = home@example.com\n' },
  'GIT_CONFIG_GLOBAL: that file only': {
    env: { GIT_CONFIG_GLOBAL: 'GLOBAL' },
    global: '[user]\n\tname = Global\n\temail = global@example.com\n',
    home: '[user]\n\tname = Home\n\temail = home@example.com\n',
    xdg: '[user]\n\temail = xdg@example.com\n',
  },
};

/** Setups whose answer the files cannot settle: the caller must ask git. */
const leftToGit: Record<string, Case> = {
  include: { home: '[include]\n\tpath = other\n', xdg: ada },
  'includeIf, any case': { home: `${ada}[IncludeIf "gitdir:/nowhere/"]\n\tpath = other\n` },
  'includeif in the XDG file': { xdg: '[includeif "onbranch:main"]\n\tpath = x\n', home: ada },
  'only the name': { home: '[user]\n\tname = Ada\n' },
  'only the email, and a name in a subsection': { home: '[user]\n\temail = ada@example.com\n[user "x"]\n\tname = Ada\n' },
  'a bare user.name (boolean)': { home: '[user]\n\tname\n\temail = ada@example.com\n' },
  'GIT_CONFIG_COUNT': { home: ada, env: { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'user.name', GIT_CONFIG_VALUE_0: 'From env' } },
  GIT_CONFIG_PARAMETERS: { home: ada, env: { GIT_CONFIG_PARAMETERS: "'user.name'='From env'" } },
  GIT_DIR: { home: ada, env: { GIT_DIR: '/nonexistent' } },
  'HOME empty': { home: ada, env: { HOME: '' } },
  'GIT_CONFIG_GLOBAL relative': { home: ada, env: { GIT_CONFIG_GLOBAL: '.gitconfig' } },
  'GIT_CONFIG_GLOBAL empty': { home: ada, env: { GIT_CONFIG_GLOBAL: '' } },
  'git not on the PATH': { home: ada, env: { PATH: '/nonexistent' } },
  'a key before any section (git takes it, without a section)': { home: `name = Ada\n${ada}` },
  'a carriage return alone': { home: '[user]\n\tname = Ada\rLovelace\n\temail = ada@example.com\n' },
};

/** Files git refuses (it reports a bad line): the files must not give an answer, and git gives none either. */
const refused: Record<string, string | Buffer> = {
  'an unclosed header': '[user\n\tname = Ada\n\temail = ada@example.com\n',
  'a header across lines': '[user "a\nb"]\n\tname = Ada\n',
  'text after a subsection': '[user "x" ]\n',
  'an unknown escape': `${ada}\tname = A\\qda\n`,
  'an unterminated quote': `${ada}\tname = "Ada\n`,
  'a key starting with a digit': `${ada}\t1name = Ada\n`,
  'a dot in a key': `${ada}\tname.x = Ada\n`,
  'a bare key followed by a comment': `${ada}\tname # comment\n`,
  'a partial byte-order mark': Buffer.concat([Buffer.from([0xef, 0xbb]), Buffer.from(ada)]),
  'an empty header': `[]\n${ada}`,
};

describe('identityFromConfigFiles against real git', () => {
  it.each(Object.entries(answered))('%s: gives git\'s answer', (_, c) => {
    const setup = setUp(c);
    const fast = identityFromConfigFiles(setup.cwd, setup.env);
    expect(fast).toBeDefined();
    expect(fast).toEqual(gitSays(setup));
  });

  it.each(Object.entries(leftToGit))('%s: left to git', (_, c) => {
    const setup = setUp(c);
    expect(identityFromConfigFiles(setup.cwd, setup.env)).toBeUndefined();
  });

  it.each(Object.entries(refused))('%s: git refuses the file, and so do the files', (_, text) => {
    const setup = setUp({ home: text, xdg: ada });
    expect(gitSays(setup)).toEqual({});
    expect(identityFromConfigFiles(setup.cwd, setup.env)).toBeUndefined();
  });

  it('inside a repository (its own config may set the identity): left to git', () => {
    const setup = setUp({ home: ada });
    execFileSync('git', ['init', '-q'], { cwd: setup.cwd, env: setup.env });
    execFileSync('git', ['config', 'user.name', 'Local'], { cwd: setup.cwd, env: setup.env });
    const sub = join(setup.cwd, 'a', 'b');
    mkdirSync(sub, { recursive: true });
    expect(gitSays({ ...setup, cwd: sub })).toEqual({ name: 'Local', email: 'ada@example.com' });
    expect(identityFromConfigFiles(sub, setup.env)).toBeUndefined();
    expect(identityFromConfigFiles(setup.cwd, setup.env)).toBeUndefined();
  });

  it('in a folder that may be a bare repository (it has a HEAD): left to git', () => {
    const setup = setUp({ home: ada });
    execFileSync('git', ['init', '-q', '--bare', 'r.git'], { cwd: setup.cwd, env: setup.env });
    expect(identityFromConfigFiles(join(setup.cwd, 'r.git', 'refs'), setup.env)).toBeUndefined();
  });

  it('outside any repository, with git on the PATH: known without git; in one, without git or on Windows: not', () => {
    const setup = setUp({ home: ada });
    expect(outsideRepositories(setup.cwd, setup.env)).toBe(true);
    expect(outsideRepositories(setup.cwd, { ...setup.env, PATH: '/nonexistent' })).toBe(false);
    expect(outsideRepositories(setup.cwd, { ...setup.env, GIT_DIR: join(setup.cwd, 'x') })).toBe(false);
    expect(outsideRepositories(setup.cwd, setup.env, 'win32')).toBe(false);
    execFileSync('git', ['init', '-q'], { cwd: setup.cwd, env: setup.env });
    expect(outsideRepositories(setup.cwd, setup.env)).toBe(false);
  });

  describe('in a repository git init has just made', () => {
    /** A fresh repository in a folder of the setup's cwd, made with `template` as git's template folder (its files, a config among them). */
    function initialised(setup: Setup, template: Record<string, string> = {}): string {
      const templateDir = join(setup.cwd, 'template');
      mkdirSync(templateDir);
      for (const [name, text] of Object.entries(template)) writeFileSync(join(templateDir, name), text);
      const dir = join(setup.cwd, 'project');
      mkdirSync(dir);
      execFileSync('git', ['init', '-q', `--template=${templateDir}`], { cwd: dir, env: setup.env });
      return dir;
    }

    it('with only the config git writes: the global files\' answer, git\'s', () => {
      const setup = setUp({ home: ada });
      const dir = initialised(setup);
      expect(identityInNewRepository(dir, setup.env)).toEqual({ name: 'Ada Lovelace', email: 'ada@example.com' });
      expect(identityInNewRepository(dir, setup.env)).toEqual(gitSays({ ...setup, cwd: dir }));
    });

    it.each([
      ['a template config that sets the identity', '[user]\n\tname = Template\n'],
      ['a template config that includes a file', '[include]\n\tpath = /nonexistent\n'],
      ['a template config with worktree config on', '[extensions]\n\tworktreeConfig = true\n'],
    ])('with %s: left to git', (_, config) => {
      const setup = setUp({ home: ada });
      const dir = initialised(setup, { config });
      expect(identityInNewRepository(dir, setup.env)).toBeUndefined();
    });

    it('inside another repository: left to git', () => {
      const setup = setUp({ home: ada });
      execFileSync('git', ['init', '-q'], { cwd: setup.cwd, env: setup.env });
      expect(identityInNewRepository(initialised(setup), setup.env)).toBeUndefined();
    });
  });

  it('on Windows: left to git', () => {
    const setup = setUp({ home: ada });
    expect(identityFromConfigFiles(setup.cwd, setup.env, 'win32')).toBeUndefined();
  });

  it('generated files: whenever the files give an answer, it is git\'s', () => {
    // Lines of config strung together by a seeded generator: headers, keys and
    // values made of pieces of git's syntax (quotes, escapes, comments,
    // continuations), now and then a piece anywhere, valid or not.
    const headers = ['[user]', '[User]', '[USER]', '[user]', '[user "x"]', '[user "Us\\"er"]', '[user.x]', '[core]', '[ "user"]', '[user ]'];
    const keys = ['name', 'email', 'NAME', 'Email', 'name', 'email', 'bare', 'n-1'];
    const spaces = ['', ' ', '\t', '  '];
    const values = [
      'Ada', 'Lovelace', 'ada@example.com', ' ', '  ', '\t', '"A  b"', '" "', '"#;="', '\\"', '\\\\', '\\t', '\\n', '\\b', '\\\n', '\\\r\n',
      '#x', ';x', '=', 'é', '🚀', '[user]',
    ];
    // Each of these breaks a line or the file more often than not.
    const noise = ['\n', '\r\n', '\r', ' ', '"', '\\', '\\x', '#', '=', ']', '[', '.', '1name', '\\'];
    let seed = 20240611;
    const random = (n: number) => ((seed = (seed * 48271) % 2147483647), seed % n);
    const pick = <T>(list: readonly T[]): T => list[random(list.length)]!;
    let given = 0;
    const rounds = 300;
    const setup = setUp({});
    for (let round = 0; round < rounds; round++) {
      let text = random(2) ? ada : '[user]';
      for (let line = random(8); line >= 0; line--) {
        if (random(4) === 0) text += pick(headers);
        else {
          text += pick(spaces) + pick(keys) + pick(spaces);
          if (random(16)) {
            text += '=' + pick(spaces);
            for (let k = random(6); k > 0; k--) text += pick(values);
          }
        }
        if (random(20) === 0) text += pick(noise);
        text += random(4) ? '\n' : random(2) ? '\r\n' : '';
      }
      writeFileSync(join(setup.env.HOME!, '.gitconfig'), text);
      const fast = identityFromConfigFiles(setup.cwd, setup.env);
      if (fast === undefined) continue;
      given++;
      expect(fast, JSON.stringify(text)).toEqual(gitSays(setup));
    }
    // Enough files keep an answer for the comparison to mean something.
    expect(given).toBeGreaterThan(rounds / 4);
  });
});

describe('readGitIdentity', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  function useEnv(env: NodeJS.ProcessEnv): void {
    for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_COMMON_DIR', 'GIT_CONFIG', 'GIT_CONFIG_COUNT', 'GIT_CONFIG_PARAMETERS', 'XDG_CONFIG_HOME']) vi.stubEnv(name, undefined);
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  }

  it('asks git when the files do not settle it: an identity in a repository\'s own config', async () => {
    const setup = setUp({ home: '' });
    execFileSync('git', ['init', '-q'], { cwd: setup.cwd, env: setup.env });
    execFileSync('git', ['config', 'user.name', 'Local Ada'], { cwd: setup.cwd, env: setup.env });
    execFileSync('git', ['config', 'user.email', 'local@example.com'], { cwd: setup.cwd, env: setup.env });
    useEnv(setup.env);
    expect(await readGitIdentity(setup.cwd)).toEqual({ name: 'Local Ada', email: 'local@example.com' });
  });

  it('asks git when the files do not settle it: an identity in an included file', async () => {
    const setup = setUp({ home: '[include]\n\tpath = more\n' });
    writeFileSync(join(setup.env.HOME!, 'more'), ada);
    useEnv(setup.env);
    expect(await readGitIdentity(setup.cwd)).toEqual({ name: 'Ada Lovelace', email: 'ada@example.com' });
  });

  it('takes the files\' answer without starting git', async () => {
    const setup = setUp({ home: ada });
    // A git that records being run, first on the PATH.
    const bin = tempDir('cmp-gitconfig-bin-');
    writeFileSync(join(bin, 'git'), `#!/bin/sh\necho "$@" >> '${join(bin, 'calls')}'\nexit 1\n`, { mode: 0o755 });
    useEnv({ ...setup.env, PATH: `${bin}:${setup.env.PATH}` });
    expect(await readGitIdentity(setup.cwd)).toEqual({ name: 'Ada Lovelace', email: 'ada@example.com' });
    expect(existsSync(join(bin, 'calls'))).toBe(false);
  });
});
