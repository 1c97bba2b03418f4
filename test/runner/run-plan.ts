/** Run plans for the pure parts of runs (scripts, manifests): a plan as makePlan would give it. */
import type { RunPlan } from '../../src/runner/runs/backend.js';
import { parseTargets, type Target } from '../../src/runner/runs/targets.js';

export function target(yaml: string, name: string): Target {
  return parseTargets(`targets:\n  ${name}:\n${yaml.replace(/^/gm, '    ')}\n`).targets.get(name)!;
}

export function plan(t: Target, change: Partial<RunPlan> = {}): RunPlan {
  const id = '20261202-180501-3f9a';
  const commit = 'c0ffee'.padEnd(40, '0');
  return {
    id,
    project: { name: 'churn-model', root: '/nowhere', hasCpuImage: true, hasGpuImage: true, dotenv: {} },
    target: t,
    source: { commit, prefix: '' },
    command: ['python', '-m', 'churn.train', 'configs/examples/baseline.yml'],
    sweep: [],
    gpus: t.gpus,
    env: { ...t.env, ML_PROJECT_RUN_ID: id, ML_PROJECT_COMMIT: commit },
    outputs: t.outputs,
    ...change,
  };
}
