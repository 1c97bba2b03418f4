/** .dockerignore matching, case by case, and the context it produces. */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listContext } from '../../src/runner/context.js';
import { createMatcher } from '../../src/runner/dockerignore.js';
import { tempDir } from '../fakes/project.js';

describe('createMatcher', () => {
  it.each([
    // [patterns, path, ignored]
    ['data', 'data', true],
    ['data', 'data/raw/x.csv', true],
    ['data', 'mydata', false],
    ['/data', 'data/raw/x.csv', true],
    ['data/', 'data/raw', true],
    ['*.pyc', 'a.pyc', true],
    ['*.pyc', 'pkg/a.pyc', false],
    ['**/*.pyc', 'pkg/sub/a.pyc', true],
    ['**/*.pyc', 'a.pyc', true],
    ['**/__pycache__', 'pkg/__pycache__/x.pyc', true],
    ['data/**', 'data/raw/x.csv', true],
    ['data/*', 'data/raw', true],
    ['data/*', 'data', false],
    ['notebooks/*.ipynb', 'notebooks/a.ipynb', true],
    ['notebooks/*.ipynb', 'notebooks/sub/a.ipynb', false],
    ['file?.txt', 'file1.txt', true],
    ['file?.txt', 'file10.txt', false],
    ['[ab].txt', 'a.txt', true],
    ['[ab].txt', 'c.txt', false],
    ['[^ab].txt', 'c.txt', true],
    ['a.b', 'axb', false],
    ['# comment\n\n  mlruns  ', 'mlruns/1/meta.yaml', true],
    ['./mlruns', 'mlruns', true],
    ['data\n!data/keep.txt', 'data/keep.txt', false],
    ['data\n!data/keep.txt', 'data/other.txt', true],
    ['*.md\n!README.md', 'README.md', false],
    ['!README.md\n*.md', 'README.md', true],
    ['', 'anything', false],
    ['.git', '.git/config', true],
    ['.env', '.env', true],
    ['.env', '.env.example', false],
    ['**/*.py[cod]', 'pkg/sub/a.pyo', true],
    ['**/*.py[cod]', 'a.pyc', true],
    ['**/*.py[cod]', 'a.py', false],
    ['*.egg-info', 'my_project.egg-info/PKG-INFO', true],
    ['.dvc/cache', '.dvc/cache/ab/cdef', true],
    ['.dvc/cache', '.dvc/config', false],
  ])('%j: %s ignored=%s', (patterns, path, ignored) => {
    expect(createMatcher(patterns).ignores(path)).toBe(ignored);
  });

  it('prunes a folder whole only when no exception could reach inside it', () => {
    expect(createMatcher('data').canPrune('data')).toBe(true);
    expect(createMatcher('data\n!data/keep.txt').canPrune('data')).toBe(false);
    expect(createMatcher('models').canPrune('data')).toBe(false);
  });
});

describe('listContext', () => {
  function tree(files: Record<string, string>): string {
    const root = tempDir('mlp-ctx-');
    for (const [p, c] of Object.entries(files)) {
      mkdirSync(dirname(join(root, p)), { recursive: true });
      writeFileSync(join(root, p), c);
    }
    return root;
  }

  it('leaves out what .dockerignore lists, keeps the Dockerfile and .dockerignore, and keeps exceptions', async () => {
    const root = tree({
      '.dockerignore': 'data\n!data/raw/.gitkeep\n.git\nmlruns\n**/*.pyc\ndocker\n',
      'docker/Dockerfile.cpu': 'FROM x',
      'docker/Dockerfile.gpu': 'FROM y',
      'data/raw/big.csv': '1,2',
      'data/raw/.gitkeep': '',
      '.git/config': '',
      'mlruns/0/meta.yaml': '',
      'pkg/a.py': '',
      'pkg/a.pyc': '',
      'requirements.txt': 'mlflow',
    });
    symlinkSync('requirements.txt', join(root, 'reqs.txt'));
    const files = (await listContext(root, 'docker/Dockerfile.cpu')).filter((f) => f.kind !== 'directory').map((f) => f.path);
    expect(files).toEqual(['.dockerignore', 'data/raw/.gitkeep', 'docker/Dockerfile.cpu', 'pkg/a.py', 'reqs.txt', 'requirements.txt']);
  });

  it('sends everything when there is no .dockerignore', async () => {
    const root = tree({ 'docker/Dockerfile.cpu': 'FROM x', 'a/b.txt': '' });
    expect((await listContext(root, 'docker/Dockerfile.cpu')).map((f) => f.path)).toEqual(['a', 'a/b.txt', 'docker', 'docker/Dockerfile.cpu']);
  });
});
