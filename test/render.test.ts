/**
 * Rendering is pure: answers and templates in, a map of files out. These
 * tests need no disk beyond reading a small fixture template tree.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultAnswers } from '../src/generate/answers.js';
import { outputPath } from '../src/generate/manifest.js';
import { renderProject } from '../src/generate/render.js';
import { defaultTemplatesDir, loadTemplates } from '../src/generate/templates.js';
import { presets, taskPresets, torchPresets } from './helpers/generate.js';

const fixtures = join(import.meta.dirname, 'fixtures', 'templates');
const context = { year: 2031, generatorVersion: '1.2.3' };

async function render(overrides: Record<string, unknown> = {}) {
  const answers = await defaultAnswers({ projectName: 'my-project', authorName: 'Ada', ...overrides });
  return renderProject(answers, await loadTemplates(fixtures), context);
}

const text = (files: Map<string, { content: Buffer }>, path: string) => files.get(path)!.content.toString('utf8');

describe('renderProject', () => {
  it('maps template paths to output paths', async () => {
    const files = await render({ packageName: 'churn' });
    expect([...files.keys()]).toEqual([
      '.github/workflows/ci.yml',
      '.gitignore',
      '.yo-rc.json',
      'LICENSE',
      'README.md',
      'churn/__init__.py',
      'docker/Dockerfile.cpu',
      'docker/Dockerfile.gpu',
    ]);
  });

  it.each([
    ['_gitignore', '.gitignore'],
    ['_gitignore.ejs', '.gitignore'],
    ['sub/_gitignore.ejs', 'sub/.gitignore'],
    ['_gitignore_notes.md', '_gitignore_notes.md'],
    ['__package__/train.py', 'pkg/train.py'],
    ['my__package__.py', 'my__package__.py'],
  ])('outputPath(%j) is %j', (template, output) => {
    expect(outputPath(template, 'pkg')).toBe(output);
  });

  it('copies non-template files byte for byte', async () => {
    const files = await render();
    expect(text(files, '.github/workflows/ci.yml')).toContain('echo ${{ github.sha }} <%= not rendered %>');
  });

  it('renders with the answers, the escapers, the pinned versions and the context', async () => {
    const description = `It's "quoted" & <b>$HOME</b> 🚀`;
    const files = await render({ description, pythonVersion: '3.11', cudaVersion: '12.6' });
    expect(text(files, 'my_project/__init__.py')).toBe(`"""my_project."""\n__description__ = ${JSON.stringify(description)}\n`);
    expect(text(files, 'docker/Dockerfile.cpu')).toMatch(/^FROM python:3\.11\.\d+-slim-bookworm\n$/);
    expect(text(files, 'docker/Dockerfile.gpu')).toMatch(/^FROM nvidia\/cuda:12\.6\.\d+-cudnn-runtime-ubuntu24\.04\n$/);
    expect(text(files, 'LICENSE')).toBe('Copyright (c) 2031 Ada\n');
    expect(text(files, 'README.md')).toBe('## DVC\n# It\'s "quoted" \\& \\<b\\>\\$HOME\\</b\\> 🚀\n');
  });

  it('drops whole optional parts and their if blocks', async () => {
    const files = await render({ compute: 'cpu', license: 'none', ci: false, dvc: false });
    expect(files.has('docker/Dockerfile.gpu')).toBe(false);
    expect(files.has('LICENSE')).toBe(false);
    expect(files.has('.github/workflows/ci.yml')).toBe(false);
    expect(text(files, 'README.md')).not.toContain('DVC');
    expect((await render({ compute: 'gpu' })).has('docker/Dockerfile.cpu')).toBe(false);
  });

  it('stores the answers and the generator version in .yo-rc.json', async () => {
    const files = await render({ jupyterPort: 9000 });
    const stored = JSON.parse(text(files, '.yo-rc.json')) as Record<string, { version: string; answers: Record<string, unknown> }>;
    expect(stored['create-ml-project']!.version).toBe('1.2.3');
    expect(stored['create-ml-project']!.answers).toMatchObject({ projectName: 'my-project', jupyterPort: 9000 });
    expect(Object.keys(stored['create-ml-project']!.answers)[0]).toBe('projectName');
  });

  it('is deterministic', async () => {
    const [a, b] = await Promise.all([render(), render()]);
    expect([...a].map(([p, f]) => [p, f.content.toString('base64')])).toEqual([...b].map(([p, f]) => [p, f.content.toString('base64')]));
  });

  it('names the template when one fails to render', async () => {
    const answers = await defaultAnswers({ projectName: 'x' });
    const broken = [{ path: 'bad.txt.ejs', content: Buffer.from('<%- nope() %>'), mode: 0o644 }];
    expect(() => renderProject(answers, broken, context)).toThrow(/Template bad\.txt\.ejs failed to render/);
  });
});

describe('templates compiled at build time (dist/jobs/templates.js, after npm run build)', () => {
  const variants = { ...presets, ...torchPresets, ...taskPresets, quoted: { description: 'Say "hi" & <b>$HOME</b> \\ 100%', authorName: "Ada O'Brien" } };

  it('serves every template of templates/ from the build, with the very bytes EJS compiled at run time gives', async () => {
    const templates = await loadTemplates();
    const ejsFiles = templates.filter((t) => t.path.endsWith('.ejs'));
    expect(ejsFiles.filter((t) => !t.render).map((t) => t.path)).toEqual([]);
    const compiledAtRunTime = templates.map(({ render: _, ...file }) => file);
    for (const [name, overrides] of Object.entries(variants)) {
      const answers = await defaultAnswers({ projectName: 'my-project', authorName: 'Ada', ...overrides });
      const built = renderProject(answers, templates, context);
      const runTime = renderProject(answers, compiledAtRunTime, context);
      expect([...built].map(([p, f]) => [p, f.content.toString('utf8')]), name).toEqual([...runTime].map(([p, f]) => [p, f.content.toString('utf8')]));
    }
  });

  it('names the template and the line where a template of the build fails, as one compiled at run time does', async () => {
    const templates = await loadTemplates();
    const makefile = templates.find((t) => t.path === 'Makefile.ejs')!;
    expect(makefile.render).toBeDefined();
    const answers = await defaultAnswers({ projectName: 'my-project', authorName: 'Ada' });
    // Answers without the project's name: the Makefile refers to it.
    const { projectName: _, ...broken } = answers;
    const failure = (file: typeof makefile) => {
      try {
        renderProject(broken as typeof answers, [file], context);
      } catch (error) {
        return (error as Error).message;
      }
      return 'rendered';
    };
    const built = failure(makefile);
    expect(built).toMatch(/^Template Makefile\.ejs failed to render: Makefile\.ejs:\d+\n/);
    expect(built).toMatch(/projectName is not defined/);
    expect(built).toBe(failure({ ...makefile, render: undefined }));
  });

  it('compiles at run time a template whose text is not the one the build compiled (another version, an edited copy)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cmp-templates-'));
    cpSync(defaultTemplatesDir(), dir, { recursive: true });
    writeFileSync(join(dir, 'README.md.ejs'), `${readFileSync(join(dir, 'README.md.ejs'), 'utf8')}\nEdited: <%- md(projectName) %>\n`);
    const templates = await loadTemplates(dir);
    expect(templates.find((t) => t.path === 'README.md.ejs')!.render).toBeUndefined();
    expect(templates.find((t) => t.path === 'Makefile.ejs')!.render).toBeDefined();
    const answers = await defaultAnswers({ projectName: 'my-project', authorName: 'Ada' });
    expect(text(renderProject(answers, templates, context), 'README.md')).toMatch(/\nEdited: my-project\n$/);
  });
});
