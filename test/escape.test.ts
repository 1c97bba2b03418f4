/**
 * Each escaper is checked by the real consumer of its format: a YAML parser,
 * Python's tomllib and ast, bash, GNU make. What goes in must come out.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { compose, env, json, make, md, py, sh, text, toml, yaml } from '../src/shared/escape.js';
import { tempDir } from './helpers/generate.js';

const samples = [
  'plain',
  `quotes " and ' and \`backticks\``,
  '$HOME and ${HOME} and $(id) and $$',
  '# not a comment; 100% & <b>bold</b>',
  'back\\slash and trailing\\',
  'emoji 🚀 and accents éàü and 中文',
  '{{ jinja }} ${{ github.token }} %(py)s',
  '- leading dash',
  '1. looks like a list',
  '*stars* _under_ [link](x) |pipe| ~tilde~',
  '',
];

describe('escapers', () => {
  it.each(samples)('yaml and compose round-trip %j', (value) => {
    expect(parseYaml(`key: ${yaml(value)}\n`)).toEqual({ key: value });
    // compose reads `$$` as a literal `$`
    const parsed = parseYaml(`key: ${compose(value)}\n`) as { key: string };
    expect(parsed.key.replaceAll('$$', '$')).toBe(value);
  });

  it.each(samples)('json round-trips %j', (value) => {
    expect(JSON.parse(json(value))).toBe(value);
  });

  it('toml and python literals round-trip through Python', () => {
    const dir = tempDir();
    const tomlFile = join(dir, 'x.toml');
    writeFileSync(tomlFile, samples.map((s, i) => `k${i} = ${toml(s)}\n`).join(''));
    const pyFile = join(dir, 'x.py');
    writeFileSync(pyFile, `values = [${samples.map(py).join(', ')}]\n`);
    const out = execFileSync(
      'python3',
      [
        '-c',
        'import ast, json, sys, tomllib\n' +
          'doc = tomllib.load(open(sys.argv[1], "rb"))\n' +
          'tree = ast.parse(open(sys.argv[2], encoding="utf-8").read())\n' +
          'print(json.dumps({"toml": [doc[f"k{i}"] for i in range(len(doc))], "py": ast.literal_eval(tree.body[0].value)}))',
        tomlFile,
        pyFile,
      ],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(out)).toEqual({ toml: samples, py: samples });
  });

  it.each(samples)('sh round-trips %j through bash', (value) => {
    expect(execFileSync('bash', ['-c', `printf '%s' ${sh(value)}`], { encoding: 'utf8' })).toBe(value);
  });

  it('make keeps recipe words verbatim', () => {
    const dir = tempDir();
    const makefile = join(dir, 'Makefile');
    writeFileSync(makefile, `all:\n${samples.map((s) => `\t@printf '%s\\n' ${make(s)}\n`).join('')}`);
    const out = execFileSync('make', ['-s', '-f', makefile], { encoding: 'utf8', env: { ...process.env, HOME: '/home/x' } });
    expect(out).toBe(samples.map((s) => `${s}\n`).join(''));
  });

  it('env quotes so that neither quotes nor $ are read', () => {
    expect(env('plain $HOME')).toBe("'plain $HOME'");
    expect(env("it's $HOME")).toBe('"it\'s \\$HOME"');
  });

  it('md escapes inline and block syntax so that the text reads as typed', () => {
    const unescape = (s: string) => s.replace(/\\([!-/:-@[-`{-~])/g, '$1');
    for (const value of samples) expect(unescape(md(value))).toBe(value);
    expect(md('<b>x</b> & *y*')).toBe('\\<b\\>x\\</b\\> \\& \\*y\\*');
    expect(md('# title')).toBe('\\# title');
    expect(md('1. item')).toBe('1\\. item');
    expect(text('a & b')).toBe('a & b');
  });
});
