/**
 * The Yeoman generator through yeoman-test: prompts answered through
 * Yeoman's adapter, and the same answers as the CLI stores.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import helpers from 'yeoman-test';
import AppGenerator, { type AppOptions } from '../src/generate/generator.js';

function run(options: Partial<AppOptions>, answers: Record<string, unknown> = {}) {
  const outcome: AppOptions['outcome'] = {};
  const context = helpers
    .run(AppGenerator, { namespace: 'ml-project:app' })
    .withOptions({ mode: 'interactive', force: false, flags: {}, generatorVersion: '9.9.9', outcome, ...options } as never)
    .withAnswers(answers);
  return { context, outcome };
}

describe('the Yeoman generator', () => {
  it('asks through the adapter and writes the project', async () => {
    const { context, outcome } = run(
      { flags: { git: false } },
      { projectName: 'demo', packageName: 'demo_core', compute: 'gpu', cudaVersion: '12.6', jupyterPort: '9999', license: 'Apache-2.0' },
    );
    const result = await context;
    const dir = join(result.cwd, 'demo');
    expect(outcome.target).toBe(dir);
    expect(outcome.answers).toMatchObject({ packageName: 'demo_core', compute: 'gpu', cudaVersion: '12.6', jupyterPort: 9999, mlflowPort: 5000, license: 'Apache-2.0' });
    const stored = JSON.parse(readFileSync(join(dir, '.yo-rc.json'), 'utf8')) as Record<string, { version: string; answers: object }>;
    expect(stored['create-ml-project']).toEqual({ version: '9.9.9', answers: outcome.answers });
    expect(existsSync(join(dir, '.git'))).toBe(false);
  });

  it('with mode "yes" asks nothing', async () => {
    const { context, outcome } = run({ mode: 'yes', flags: { projectName: 'quiet', git: false } }, { packageName: 'never_asked' });
    await context;
    expect(outcome.answers?.packageName).toBe('quiet');
  });

  it('refuses an invalid answer given at a prompt', async () => {
    const { context } = run({ flags: { git: false } }, { projectName: 'ok', jupyterPort: '80' });
    await expect(context).rejects.toThrow(/^Invalid Jupyter port "80": it must be between 1024 and 65535/);
  });
});
