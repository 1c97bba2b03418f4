/**
 * The generated GitHub Actions workflow, read by GitHub's own workflow parser
 * and schema (@actions/workflow-parser, the one behind the Actions language
 * service): it must hold to the schema, build the project's image and run
 * the tests inside it, and check the lock.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { tools } from '../src/shared/versions.js';
import { generateProject, presets, torchPresets } from './helpers/generate.js';
import { runProcess } from './helpers/process.js';
import { python } from './helpers/python.js';

const variants: Record<string, Record<string, unknown>> = {
  defaults: presets.defaults!,
  cpu: presets.cpu!,
  gpu: presets.gpu!,
  'pytorch-auto': torchPresets['pytorch-auto']!,
};
const projects: Record<string, { dir: string; name: string }> = {};

beforeAll(async () => {
  await Promise.all(
    Object.entries(variants).map(async ([variant, answers]) => {
      const result = await generateProject(answers);
      expect(result.code, result.stderr).toBe(0);
      projects[variant] = { dir: result.dir, name: (answers.projectName as string | undefined) ?? 'my-project' };
    }),
  );
}, 120_000);

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
const workflowOf = (dir: string) => readFileSync(join(dir, '.github/workflows/ci.yml'), 'utf8');
const schemaErrors = (content: string) => parseWorkflow({ name: 'ci.yml', content }, new NoOperationTraceWriter()).context.errors.getErrors().map((e) => e.message);

describe.each(Object.keys(variants))('%s: .github/workflows/ci.yml', (variant) => {
  it("holds to GitHub's workflow schema; a misspelt key does not", () => {
    const content = workflowOf(projects[variant]!.dir);
    expect(schemaErrors(content)).toEqual([]);
    expect(schemaErrors(content.replace('runs-on:', 'run-on:')).join('\n')).toMatch(/run-on/);
    expect(schemaErrors(content.replace('        uses: docker/build-push-action', '        use: docker/build-push-action')).join('\n')).toMatch(/use/);
  });

  it('builds the image the project works in, with its layers cached, and runs the tests inside that image', () => {
    const { dir, name } = projects[variant]!;
    const kind = variant === 'gpu' ? 'gpu' : 'cpu';
    const workflow = parseYaml(workflowOf(dir)) as { jobs: Record<string, { steps: Step[] }> };
    expect(Object.keys(workflow.jobs)).toEqual(['test', 'image']);
    const steps = workflow.jobs.image!.steps;
    expect(steps.map((s) => s.uses ?? s.run)).toEqual([
      `actions/checkout@${tools.actionsCheckout}`,
      `docker/setup-buildx-action@${tools.dockerSetupBuildx}`,
      `docker/build-push-action@${tools.dockerBuildPush}`,
      `docker run --rm ${name}-${kind}:ci python -m pytest`,
    ]);
    expect(steps[2]!.with).toEqual({ context: '.', file: `docker/Dockerfile.${kind}`, tags: `${name}-${kind}:ci`, load: true, 'cache-from': 'type=gha', 'cache-to': 'type=gha,mode=max' });
    expect(readFileSync(join(dir, `docker/Dockerfile.${kind}`), 'utf8')).toContain('ENTRYPOINT ["tini", "--"]');
  });

  it('checks the lock before installing, and the check passes on the project as generated (no lock yet)', async () => {
    const { dir } = projects[variant]!;
    const workflow = parseYaml(workflowOf(dir)) as { jobs: { test: { steps: Step[] } } };
    const runs = workflow.jobs.test.steps.map((s) => s.run ?? '');
    const check = runs.indexOf('python docker/lock.py check');
    expect(check).toBeGreaterThan(-1);
    expect(check).toBeLessThan(runs.indexOf('pip install -r requirements-dev.txt'));
    const result = await runProcess(python, ['docker/lock.py', 'check'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
  });
});
