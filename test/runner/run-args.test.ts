/** The command line of run, runs, logs RUN-ID, fetch, cancel and targets. */
import { describe, expect, it } from 'vitest';
import { parseRunnerArgs } from '../../src/runner/args.js';

describe('parseRunnerArgs: runs', () => {
  it.each([
    [['run', '--', 'python', '-m', 'p.train', '--epochs', '3'], { command: 'run', run: ['python', '-m', 'p.train', '--epochs', '3'] }],
    [['run', '--on', 'cluster', '--gpus', '2', '--detach', '--allow-dirty', '--', 'make', 'train'], { on: 'cluster', gpus: 2, detach: true, allowDirty: true, run: ['make', 'train'] }],
    [['run', '--on=k8s', '--dry-run', '--gpus=0', '--', 'x'], { on: 'k8s', dryRun: true, gpus: 0 }],
    [['run', '--sweep', 'configs/examples/a.yml', '--sweep', 'configs/examples/*.yml', '--', 'python', '-m', 'p.train'], { sweep: ['configs/examples/a.yml', 'configs/examples/*.yml'] }],
    [['run', 'notebooks/01.ipynb', '-p', 'alpha', '0.5', '--parameter', 'name', 'a b'], { notebook: 'notebooks/01.ipynb', parameters: [['alpha', '0.5'], ['name', 'a b']], run: [] }],
    [['run', '--json', '--timeout', '60', '--', 'true'], { json: true, timeout: 60 }],
    [['logs', '20261202-180501-3f9a', '-f'], { command: 'logs', runId: '20261202-180501-3f9a', follow: true }],
    [['logs', 'jupyter'], { service: 'jupyter' }],
    [['fetch', '20261202-180501-3f9a', '--json'], { command: 'fetch', runId: '20261202-180501-3f9a', json: true }],
    [['cancel', '20261202-180501-3f9a'], { command: 'cancel', runId: '20261202-180501-3f9a' }],
    [['runs', '--json'], { command: 'runs', json: true }],
    [['targets'], { command: 'targets' }],
  ])('%j', (argv, expected) => {
    expect(parseRunnerArgs(argv)).toMatchObject(expected);
  });

  it.each([
    [['run'], /run needs a command after -- or a notebook/],
    [['run', 'python', 'train.py'], /run takes no argument "python"\. The command goes after --/],
    [['run', '--gpus', 'two', '--', 'x'], /--gpus takes a whole number from 0 to 64, not "two"/],
    [['run', '--gpus', '65', '--', 'x'], /--gpus takes a whole number from 0 to 64/],
    [['run', '--gpus', '-1', '--', 'x'], /Option --gpus needs a value|--gpus takes a whole number/],
    [['run', '--on'], /Option --on needs a value/],
    [['run', 'n.ipynb', '-p', 'alpha'], /-p takes a name and a value: -p alpha 0\.5/],
    [['run', '-p', 'a', '1', '--', 'x'], /-p sets a notebook's parameters/],
    [['run', '--sweep', 'a.yml', 'n.ipynb'], /--sweep runs a command once per experiment file, not a notebook/],
    [['run', 'n.ipynb', '--', 'x'], /run takes no argument "n\.ipynb"/],
    [['run', '--keep', '--', 'x'], /run does not take --keep/],
    [['up', '--on', 'cluster'], /up does not take --on/],
    [['fetch'], /fetch takes one run id: ml-project fetch RUN-ID/],
    [['cancel', 'a', 'b'], /cancel takes one run id/],
    [['runs', 'x'], /runs takes no argument "x"/],
    [['targets', '--', 'x'], /targets takes no command after --/],
  ])('%j is refused', (argv, message) => {
    expect(() => parseRunnerArgs(argv)).toThrow(message);
  });
});

it('logs takes a run id or a service, never both readings of one word', () => {
  expect(parseRunnerArgs(['logs', '20261202-180501-3f9a']).service).toBeUndefined();
  expect(parseRunnerArgs(['logs', 'mlflow']).runId).toBeUndefined();
});
