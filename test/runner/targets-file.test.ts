/**
 * configs/targets.yml read as strictly as the answers: each kind's settings,
 * unknown keys with a hint, wrong types and shapes, one line naming the file,
 * the target and the key; the generated file and its commented examples.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/shared/errors.js';
import { parseTargets, pickTarget } from '../../src/runner/runs/targets.js';
import { defaultAnswers } from '../../src/generate/answers.js';
import { renderProject } from '../../src/generate/render.js';
import { loadTemplates } from '../../src/generate/templates.js';

function refused(text: string): string {
  try {
    parseTargets(text);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    const message = (error as Error).message;
    expect(message.split('\n')).toHaveLength(1);
    expect(message.length).toBeLessThan(400);
    return message;
  }
  throw new Error(`accepted: ${text}`);
}

describe('parseTargets', () => {
  it('reads each kind with its settings and defaults', () => {
    const targets = parseTargets(`
default: cluster
targets:
  gpu-box: { kind: docker, host: "ssh://me@gpu-box", gpus: 2, env: { WANDB_MODE: offline, SEED: 3 } }
  ctx: { kind: docker, context: lab }
  cluster:
    kind: slurm
    host: me@login.hpc:2222
    workdir: ~/scratch/runs
    partition: gpu
    time: "1-00:00:00"
    cpus: 8
    memory: 32G
    setup: [module load cuda]
  k8s:
    kind: kubernetes
    registry: registry.example.com/team
    node_selector: { nvidia.com/gpu.present: "true" }
    tolerations: [{ key: nvidia.com/gpu, operator: Exists, effect: NoSchedule }]
    cpu: 500m
    memory: 16Gi
`);
    expect(targets.default).toBe('cluster');
    expect([...targets.targets.keys()].sort()).toEqual(['cluster', 'ctx', 'gpu-box', 'k8s', 'local']);
    expect(targets.targets.get('gpu-box')).toMatchObject({ kind: 'docker', host: 'ssh://me@gpu-box', gpus: 2, env: { WANDB_MODE: 'offline', SEED: '3' }, outputs: ['reports', 'models'] });
    expect(targets.targets.get('cluster')).toMatchObject({ kind: 'slurm', runtime: 'venv', python: 'python3', cpus: 8, memory: '32G', time: '1-00:00:00', setup: ['module load cuda'] });
    expect(targets.targets.get('k8s')).toMatchObject({ kind: 'kubernetes', registry: 'registry.example.com/team', nodeSelector: { 'nvidia.com/gpu.present': 'true' }, tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }] });
    expect(targets.targets.get('local')).toMatchObject({ kind: 'docker', gpus: 0 });
  });

  it('an empty file, or one without targets, still has local as the default', () => {
    for (const text of ['', 'targets: {}\n', '# nothing\n']) {
      const targets = parseTargets(text);
      expect(targets.default).toBe('local');
      expect(pickTarget(targets, undefined).kind).toBe('docker');
    }
  });

  it.each([
    ['targets:\n  box: { kind: docker, hots: "ssh://a@b" }\n', /targets\.yml, target box: hots is not a setting of a docker target \(did you mean host\?\)/],
    ['targets:\n  c: { kind: slurm, workdir: /s, partiton: gpu }\n', /target c: partiton is not a setting of a slurm target \(did you mean partition\?\)/],
    ['targets:\n  k: { kind: kubernetes, registry: r.io/t, nodeselector: {} }\n', /target k: nodeselector is not a setting of a kubernetes target \(did you mean node_selector\?\)/],
    ['targets:\n  c: { kind: slurm, workdir: /s, registry: r.io }\n', /target c: registry is not a setting of a slurm target; it takes: /],
    ['target:\n  local: {}\n', /targets\.yml: target is not a setting here \(did you mean targets\?\)/],
  ])('an unknown key is named, with a hint: %s', (text, message) => {
    expect(refused(text)).toMatch(message);
  });

  it.each([
    ['targets:\n  b: { kind: docker, gpus: "2" }\n', /target b: gpus must be a whole number from 0 to 64, not "2"/],
    ['targets:\n  b: { kind: docker, gpus: 65 }\n', /target b: gpus must be a whole number from 0 to 64, not 65/],
    ['targets:\n  b: { kind: docker, gpus: 1.5 }\n', /gpus must be a whole number/],
    ['targets:\n  c: { kind: slurm, workdir: /s, cpus: 0 }\n', /target c: cpus must be a whole number from 1 to 4096, not 0/],
    ['targets:\n  c: { kind: slurm, workdir: /s, time: 4h }\n', /target c: time must look like MM, HH:MM:SS or D-HH:MM:SS, not "4h"/],
    ['targets:\n  c: { kind: slurm, workdir: /s, memory: lots }\n', /target c: memory must look like a size such as 16G/],
    ['targets:\n  c: { kind: slurm, workdir: "/s; rm -rf ~" }\n', /target c: workdir must look like an absolute folder/],
    ['targets:\n  c: { kind: slurm, workdir: relative/dir }\n', /target c: workdir must look like an absolute folder/],
    ['targets:\n  c: { kind: slurm }\n', /target c: workdir is missing/],
    ['targets:\n  c: { kind: slurm, workdir: /s, runtime: singularity }\n', /target c: runtime must be one of venv, none, apptainer, enroot, podman, not "singularity"/],
    ['targets:\n  c: { kind: slurm, workdir: /s, runtime: apptainer }\n', /target c: image is needed for runtime apptainer/],
    ['targets:\n  c: { kind: slurm, workdir: /s, host: "-oProxyCommand=x" }\n', /target c: host must look like an ssh host/],
    ['targets:\n  b: { kind: docker, host: "gpu box" }\n', /target b: host must look like ssh:\/\/user@host/],
    ['targets:\n  b: { kind: docker, host: "ssh://a@b", context: lab }\n', /target b: context cannot be set with host/],
    ['targets:\n  b: { kind: docker, env: { 1X: a } }\n', /target b: env\.1X is not a variable name/],
    ['targets:\n  b: { kind: docker, env: { A: [1] } }\n', /target b: env\.A must be text, not \(a list\)/],
    ['targets:\n  b: { kind: docker, outputs: [../secrets] }\n', /target b: outputs holds "\.\.\/secrets": each output is a path inside the project/],
    ['targets:\n  b: { kind: docker, outputs: [/etc] }\n', /outputs holds "\/etc"/],
    ['targets:\n  b: { kind: docker, outputs: reports }\n', /target b: outputs must be a list of text, not "reports"/],
    ['targets:\n  k: { kind: kubernetes }\n', /target k: registry is missing/],
    ['targets:\n  k: { kind: kubernetes, registry: "Registry.Example.com" }\n', /target k: registry must look like a registry and path/],
    ['targets:\n  k: { kind: kubernetes, registry: r.io/t, memory: 16 gigs }\n', /target k: memory must look like a quantity such as 16Gi/],
    ['targets:\n  k: { kind: kubernetes, registry: r.io/t, tolerations: [{ key: a, operator: Maybe }] }\n', /target k: tolerations\[0\]\.operator must be Exists or Equal, not "Maybe"/],
    ['targets:\n  k: { kind: kubernetes, registry: r.io/t, tolerations: [{ key: a, colour: red }] }\n', /target k: tolerations\[0\]\.colour is not a toleration field/],
    ['targets:\n  k: { kind: kubernetes, registry: r.io/t, tolerations: { key: a } }\n', /target k: tolerations must be a list, as in a pod spec/],
    ['targets:\n  x: { kind: lambda }\n', /target x: kind must be one of docker, slurm, kubernetes, not "lambda"/],
    ['targets:\n  x: [docker]\n', /target x: must be a mapping of settings/],
    ['targets:\n  GPU_Box: {}\n', /the target name "GPU_Box" must be lowercase letters, digits and "-"/],
    ['targets:\n  local: {}\ndefault: nowhere\n', /default names "nowhere", which is not one of the targets \(local\)/],
    ['targets: [a, b]\n', /targets must be a mapping of names to settings/],
    ['- a\n- b\n', /must be a mapping with targets:/],
  ])('a wrong value is one line naming the file, the target and the key: %s', (text, message) => {
    expect(refused(text)).toMatch(message);
  });

  it.each([
    ['targets:\n  a: {kind: docker\n', /Cannot read configs\/targets\.yml: invalid YAML at line \d+, column \d+/],
    ['targets:\n  a: {}\n  a: {}\n', /Cannot read configs\/targets\.yml: invalid YAML at line 3/],
    ['targets: !!python/object:os.system {}\n', /unknown YAML tag "!!python\/object:os\.system"/],
    [`a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n`, /aliases expand to too much/],
    [`targets:\n  b:\n    env: ${'['.repeat(5000)}${']'.repeat(5000)}\n`, /nested too deeply|invalid YAML/],
  ])('a malformed file is one line naming it: %s', (text, message) => {
    expect(refused(text)).toMatch(message);
  });

  it('an unknown --on is refused with the nearest name and the list', () => {
    const targets = parseTargets('targets:\n  gpu-box: { kind: docker }\n  cluster: { kind: slurm, workdir: /s }\n');
    expect(() => pickTarget(targets, 'gpu-bx')).toThrow(/No target "gpu-bx" in configs\/targets\.yml\. Did you mean gpu-box\? Targets: gpu-box, cluster, local\./);
    expect(() => pickTarget(targets, 'zzzzzzzz')).toThrow(/^No target "zzzzzzzz" in configs\/targets\.yml\. Targets: /);
  });
});

describe('the generated configs/targets.yml', async () => {
  const answers = await defaultAnswers({ projectName: 'churn-model', packageName: 'churn' });
  const project = renderProject(answers, await loadTemplates(), { year: 2031, generatorVersion: '0.0.0-test' });
  const text = project.get('configs/targets.yml')!.content.toString();

  it('the README says how to run on a GPU server or a cluster, with the package\'s commands; .gitignore ignores runs/', () => {
    const readme = project.get('README.md')!.content.toString();
    const section = readme.slice(readme.indexOf('## Running on a GPU server or a cluster'));
    expect(section).toMatch(/^## Running on a GPU server or a cluster\n/);
    for (const line of ['ml-project targets', 'ml-project run --on gpu-box --gpus 1 --detach -- python -m churn.train', "--sweep 'configs/examples/*.yml'", 'ml-project runs', 'ml-project logs RUN-ID -f', 'ml-project fetch RUN-ID', 'ml-project cancel RUN-ID', 'ML_PROJECT_RUN_ID']) expect(section).toContain(line);
    expect(project.get('.gitignore')!.content.toString()).toMatch(/^runs\/$/m);
  });

  it('holds a working local target, the default', () => {
    const targets = parseTargets(text);
    expect([...targets.targets.keys()]).toEqual(['local']);
    expect(targets.default).toBe('local');
    expect(text).toContain('python -m churn.train');
  });

  it('has one commented example of each other kind, each valid once uncommented', () => {
    const uncommented = text.replace(/^ {2}# ([a-z0-9-]+:)$/gm, '  $1').replace(/^ {2}# {3}/gm, '    ');
    const targets = parseTargets(uncommented);
    expect([...targets.targets.values()].map((t) => `${t.name}:${t.kind}`).sort()).toEqual(['cluster:slurm', 'gpu-box:docker', 'k8s:kubernetes', 'local:docker']);
  });
});
