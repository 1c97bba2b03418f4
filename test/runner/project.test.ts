/** Finding the project root, reading it, and the two ways of showing progress. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/shared/errors.js';
import { composeFiles, dockerfileFor, imageName } from '../../src/runner/images.js';
import { createProgress } from '../../src/runner/progress.js';
import { findRoot, loadProject, requireProject } from '../../src/runner/project.js';
import { makeProject, tempDir } from '../fakes/project.js';

describe('findRoot', () => {
  it('walks up to the nearest .yo-rc.json with a create-ml-project entry, skipping others', () => {
    const root = makeProject();
    const inner = join(root, 'notebooks', 'deep');
    mkdirSync(inner, { recursive: true });
    // Another Yeoman generator's .yo-rc.json in between is not ours.
    writeFileSync(join(root, 'notebooks', '.yo-rc.json'), JSON.stringify({ 'generator-other': {} }));
    expect(findRoot(inner)).toBe(root);
    expect(findRoot(tempDir())).toBeUndefined();
  });

  it('reports a broken .yo-rc.json as a usage error', () => {
    const dir = tempDir();
    writeFileSync(join(dir, '.yo-rc.json'), '{ nope');
    expect(() => findRoot(dir)).toThrow(expect.objectContaining({ exitCode: ExitCode.usage }));
  });

  it('outside a project, names the folder searched', () => {
    const dir = tempDir();
    expect(() => requireProject(dir, {})).toThrow(new RegExp(`no \\.yo-rc\\.json with a "create-ml-project" entry in ${dir}`));
  });
});

describe('loadProject', () => {
  it.each([
    ['auto', true, true],
    ['cpu', true, false],
    ['gpu', false, true],
  ] as const)('compute %s: CPU image %s, GPU image %s', (compute, cpu, gpu) => {
    const project = loadProject(makeProject({ compute }), {});
    expect([project.compute, project.hasCpuImage, project.hasGpuImage, project.hasGpuCompose]).toEqual([compute, cpu, gpu, compute === 'auto']);
  });

  it('takes the Jupyter token from the environment, else .env', () => {
    const root = makeProject({ files: { '.env': 'JUPYTER_TOKEN="from file"\n' } });
    expect(loadProject(root, {}).jupyterToken).toBe('from file');
    expect(loadProject(root, { JUPYTER_TOKEN: 'from env' }).jupyterToken).toBe('from env');
    expect(loadProject(makeProject(), {}).jupyterToken).toBeUndefined();
  });
});

describe('images', () => {
  it.each([
    ['my-project', 'cpu', 'my-project-cpu:latest'],
    ['my-project', 'gpu', 'my-project-gpu:latest'],
    ['Churn_Model', 'cpu', 'churn_model-cpu:latest'],
    ['-odd name', 'gpu', 'odd-name-gpu:latest'],
  ] as const)('imageName(%j, %s) = %s', (name, compute, image) => {
    expect(imageName(name, compute)).toBe(image);
  });

  it('pairs each image with its Dockerfile and compose files', () => {
    expect(dockerfileFor('gpu')).toBe('docker/Dockerfile.gpu');
    expect(composeFiles('cpu')).toEqual(['docker-compose.yml']);
    expect(composeFiles('gpu')).toEqual(['docker-compose.yml', 'docker-compose.gpu.yml']);
  });
});

describe('createProgress', () => {
  function capture() {
    let text = '';
    return { out: Object.assign(new Writable({ write: (c: Buffer, _, done) => ((text += c.toString()), done()) }), { columns: 60 }), text: () => text };
  }

  it('without a terminal writes plain lines, once per change', () => {
    const c = capture();
    const p = createProgress(c.out, false);
    p.update('Step 1/2');
    p.update('Step 1/2');
    p.note('done');
    p.update('Step 2/2');
    p.stop();
    expect(c.text()).toBe('Step 1/2\ndone\nStep 2/2\n');
  });

  it('on a terminal redraws one line with a spinner and clears it at the end', () => {
    const c = capture();
    const p = createProgress(c.out, true);
    p.update('Step 1/2 downloading');
    p.note('Step 1/2: FROM x');
    p.stop();
    expect(c.text()).toMatch(/^\r\x1b\[2K\| Step 1\/2 downloading\r\x1b\[2KStep 1\/2: FROM x\n/);
    expect(c.text().endsWith('\r\x1b[2K')).toBe(true);
  });
});
