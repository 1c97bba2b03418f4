/**
 * exec, shell, logs, stop and down, run in-process against the in-memory
 * engine and the fake compose tool: what they hand to compose, the exit code
 * they pass back, what they say when nothing runs, and how an interrupt is
 * passed on to a command running in a container.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../src/shared/errors.js';
import { tempDir } from '../fakes/project.js';
import { closeServers, setup } from './stack-setup.js';

afterAll(closeServers);

const all = 'c-bash\nc-jupyter\nc-mlflow\n';
const stopped = { running: false, status: 'exited', exitCode: 0 };
const marker = /^ML_PROJECT_EXEC=[0-9a-f]{16}$/;

/** A stack in the given state: which containers exist, and which of them are stopped. */
async function stack(ids: string, stoppedIds: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const argv = join(tempDir('mlp-argv-'), 'argv');
  const s = await setup({ env: { FAKE_EXEC_ARGV: argv, ...env } });
  writeFileSync(s.stackFile, ids);
  for (const id of stoppedIds) s.engine.states[id] = { ...stopped };
  const composeCalls = () => s.calls().map((c) => c.replace(/ \|.*$/, '')).filter((c) => c !== 'compose version --short');
  const execArgv = () => readFileSync(argv, 'utf8').split('\0').slice(0, -1);
  return { ...s, composeCalls, execArgv };
}

describe.concurrent('exec and shell', () => {
  it.each([
    [['exec', '--', 'pytest', '-q'], ['pytest', '-q']],
    [['exec', 'pytest', '-q', '--tb=short'], ['pytest', '-q', '--tb=short']],
    [['exec', '--', 'python', '-c', 'print("a b")'], ['python', '-c', 'print("a b")']],
    [['exec', '--', 'sh', '-c', 'echo "$HOME" `id` $(pwd); exit 3'], ['sh', '-c', 'echo "$HOME" `id` $(pwd); exit 3']],
    [['exec', '--', 'make', 'etl', 'CONFIG=configs/examples/a b.yml', '--', '-k'], ['make', 'etl', 'CONFIG=configs/examples/a b.yml', '--', '-k']],
    [['exec', '--', '--help'], ['--help']],
    [['exec', '--', 'echo', 'ünïcødé ✓', ''], ['echo', 'ünïcødé ✓', '']],
    [['shell'], ['bash']],
  ])('%j runs in bash-executor through compose exec, every argument as given', async (args, command) => {
    const s = await stack(all);
    const result = await s.run(args);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const argv = s.execArgv();
    // vitest's stdin is no terminal: compose is told not to allocate one.
    expect(argv.slice(0, 3)).toEqual(['exec', '-T', '-e']);
    expect(argv[3]).toMatch(marker);
    expect(argv.slice(4)).toEqual(['bash-executor', ...command]);
    // The stack is listed through the engine, by compose's labels; compose runs only the command.
    expect(s.engine.listings).toHaveLength(1);
    expect(s.composeCalls()).toHaveLength(1);
  });

  it.each(['jupyter', 'mlflow', 'bash-executor'])('exec --service %s runs there', async (service) => {
    const s = await stack(all);
    expect((await s.run(['exec', '--service', service, '--', 'ls', '-la'])).code).toBe(0);
    expect(s.execArgv().slice(4)).toEqual([service, 'ls', '-la']);
  });

  it.each([0, 1, 2, 5, 42, 126, 127, 130, 255])('passes the command\'s exit code %i on as its own', async (code) => {
    const s = await stack(all, [], { FAKE_EXEC_EXIT: String(code) });
    const result = await s.run(['exec', '--', 'false']);
    expect(result.code).toBe(code);
    expect(result.stderr).toBe('');
  });

  it.each([
    ['no containers', '', [], ['exec', '--', 'make', 'test'], 'Nothing is running: the stack has no containers. Start it with: make create-container'],
    ['no containers', '', [], ['shell'], 'Nothing is running: the stack has no containers. Start it with: make create-container'],
    ['all stopped', all, ['c-bash', 'c-jupyter', 'c-mlflow'], ['shell'], 'Nothing is running in bash-executor: its container is stopped. Start it with: ml-project start'],
    ['bash-executor stopped', all, ['c-bash'], ['exec', '--', 'pytest'], 'Nothing is running in bash-executor: its container is stopped. Start it with: ml-project start'],
    ['mlflow stopped', all, ['c-mlflow'], ['exec', '--service', 'mlflow', '--', 'true'], 'Nothing is running in mlflow: its container is stopped. Start it with: ml-project start'],
    ['bash-executor removed', 'c-jupyter\nc-mlflow\n', [], ['shell'], 'Nothing is running in bash-executor: it has no container. Create it with: make create-container'],
    ['jupyter removed', 'c-bash\nc-mlflow\n', [], ['exec', '--service', 'jupyter', 'jupyter', 'lab', 'list'], 'Nothing is running in jupyter: it has no container. Create it with: make create-container'],
  ])('%s: %j says so in one line, exit 1, and runs nothing', async (_, ids, stoppedIds, args, message) => {
    const s = await stack(ids, stoppedIds);
    const result = await s.run(args);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`${message}\n`);
    expect(result.stdout).toBe('');
    expect(s.engine.listings).toHaveLength(1);
    expect(s.composeCalls()).toEqual([]);
  });

  it.each([
    [['exec'], /^exec needs a command to run: ml-project exec \[--service NAME\] -- COMMAND \[ARG\.\.\.\]$/],
    [['exec', '--'], /^exec needs a command to run/],
    [['exec', '--service', 'worker', '--', 'true'], /^Unknown service "worker"\. Services: bash-executor, jupyter, mlflow\.$/],
    [['exec', '--service'], /^Option --service needs a value\.$/],
    [['exec', '--gpu', 'on', '--', 'true'], /^exec does not take --gpu\. It takes: --service\.$/],
    [['shell', '--', 'ls'], /^shell takes no command after --: "ls"\.$/],
    [['stop', '--service', 'jupyter'], /^stop does not take --service\.$/],
  ])('%j is a usage error (exit 2), and nothing is run', async (args, message) => {
    const s = await stack(all);
    const result = await s.run(args);
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd()).toMatch(message);
    expect(s.composeCalls()).toEqual([]);
  });

  it.each([
    ['SIGINT', 'INT'],
    ['SIGTERM', 'TERM'],
    ['SIGHUP', 'HUP'],
    [undefined, 'INT'],
  ])('an interrupt (%s) is passed on to the command, as %s, and the runner ends with 130', async (reason, name) => {
    const fifo = join(tempDir('mlp-fifo-'), 'fifo');
    execFileSync('mkfifo', [fifo]);
    const s = await stack(all, [], { FAKE_FIFO: fifo });
    const running = s.run(['exec', '--', 'make', 'train']);
    // Once compose runs the command, the interrupt comes.
    for (let i = 0; i < 400 && !s.composeCalls().some((c) => / exec -T -e /.test(c)); i++) await new Promise((r) => setTimeout(r, 25));
    s.interrupt.abort(reason);
    const result = await running;
    expect(result.code).toBe(ExitCode.interrupted);
    expect(result.stderr).toBe(`Interrupted: SIG${name} was passed to make in bash-executor.\n`);
    const started = s.execArgv()[3];
    // The raw log: the script itself holds a `|`.
    const passOn = s.calls().filter((c) => / exec -T bash-executor sh -c /.test(c));
    expect(passOn).toHaveLength(1);
    expect(passOn[0]!.endsWith(` ${started} ${name} | ML_PROJECT_IMAGE=`), passOn[0]).toBe(true);
  });

  it.each(['HUP', 'TERM', 'INT'])('compose killed by SIG%s before the runner hears of it: the signal is passed on all the same, exit 130', async (name) => {
    const s = await stack(all, [], { FAKE_EXEC_DIES_OF: name });
    const result = await s.run(['exec', '--', 'python', '-m', 'my_project.train']);
    expect(result.code).toBe(ExitCode.interrupted);
    expect(result.stderr).toBe(`Interrupted: SIG${name} was passed to python in bash-executor.\n`);
    const started = s.execArgv()[3];
    expect(s.calls().filter((c) => / exec -T bash-executor sh -c /.test(c) && c.endsWith(` ${started} ${name} | ML_PROJECT_IMAGE=`))).toHaveLength(1);
  });
});

describe.concurrent('stop, down and logs', () => {
  it('hand over to compose when the stack runs', async () => {
    const s = await stack(all);
    for (const args of [['logs', 'jupyter', '-f'], ['logs'], ['stop'], ['down']]) {
      const result = await s.run(args);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stderr).toBe('');
    }
    expect(s.engine.listings).toHaveLength(3);
    expect(s.composeCalls()).toEqual([
      'compose -f docker-compose.yml logs --tail 200 --follow jupyter',
      'compose -f docker-compose.yml logs --tail 200',
      'compose -f docker-compose.yml stop',
      'compose -f docker-compose.yml down --remove-orphans',
    ]);
  });

  it.each([
    ['no containers', '', [], ['stop'], 'Nothing is running: the stack has no containers. Start it with: make create-container'],
    ['all stopped', all, ['c-bash', 'c-jupyter', 'c-mlflow'], ['stop'], 'Nothing is running: the stack\'s containers are stopped. Start them with: ml-project start'],
    ['no containers', '', [], ['logs'], 'Nothing is running: the stack has no containers. Start it with: make create-container'],
    ['no containers', '', [], ['logs', '-f', 'mlflow'], 'Nothing is running: the stack has no containers. Start it with: make create-container'],
    ['jupyter removed', 'c-bash\nc-mlflow\n', [], ['logs', 'jupyter'], 'Nothing is running in jupyter: it has no container. Create it with: make create-container'],
  ])('%s: %j says so in one line, exit 1, and hands nothing to compose', async (_, ids, stoppedIds, args, message) => {
    const s = await stack(ids, stoppedIds);
    const result = await s.run(args);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`${message}\n`);
    expect(s.engine.listings).toHaveLength(1);
    expect(s.composeCalls()).toEqual([]);
  });

  it.each([
    ['all stopped', ['c-bash', 'c-jupyter', 'c-mlflow'], ['logs'], 'Nothing is running: the stack\'s containers are stopped. Start them with: ml-project start'],
    ['jupyter stopped', ['c-jupyter'], ['logs', 'jupyter'], 'Nothing is running in jupyter: its container is stopped. Start it with: ml-project start'],
  ])('%s: %j still shows what the stopped containers logged (the evidence of a failure), then says nothing runs', async (_, stoppedIds, args, message) => {
    const s = await stack(all, stoppedIds);
    const result = await s.run(args);
    expect(result.code).toBe(0);
    expect(s.composeCalls().at(-1)).toBe(`compose -f docker-compose.yml logs --tail 200${args[1] ? ` ${args[1]}` : ''}`);
    expect(result.stderr).toBe(`${message}\n`);
  });

  it('down with nothing there hands over to compose all the same (removing nothing is done)', async () => {
    const s = await stack('');
    expect((await s.run(['down'])).code).toBe(0);
    expect(s.composeCalls()).toEqual(['compose -f docker-compose.yml down --remove-orphans']);
  });
});
