/**
 * The lock of the image's packages (docker/lock.py, make lock, the
 * Dockerfiles' choice of lock or pins), run for real with Debian's Python.
 * PyPI is out of reach, so pip-tools is a stand-in wheel (test/fakes/pip-tools)
 * that pip installs from a local folder: everything but the resolver runs as
 * it would for a user. test/e2e/docker.test.ts builds an image from a lock.
 */
import { chmodSync, cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tools } from '../src/shared/versions.js';
import { generateProject, presets, repoRoot, tempDir } from './helpers/generate.js';
import { runProcess } from './helpers/process.js';
import { python, runPython } from './helpers/python.js';

const projects: Record<string, string> = {};
let wheels = '';

/** A wheel named pip-tools at the pinned version whose pip-compile is the stand-in. */
const wheelScript = `
import base64, hashlib, sys, zipfile
from pathlib import Path
source, folder, version = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
info = f"pip_tools-{version}.dist-info"
files = {
    "fake_pip_compile.py": source.read_bytes(),
    f"{info}/METADATA": f"Metadata-Version: 2.1\\nName: pip-tools\\nVersion: {version}\\n".encode(),
    f"{info}/WHEEL": b"Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
    f"{info}/entry_points.txt": b"[console_scripts]\\npip-compile = fake_pip_compile:main\\n",
}
def line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"
files[f"{info}/RECORD"] = ("\\n".join([line(p, d) for p, d in files.items()] + [f"{info}/RECORD,,"]) + "\\n").encode()
with zipfile.ZipFile(folder / f"pip_tools-{version}-py3-none-any.whl", "w") as archive:
    for path, data in files.items():
        archive.writestr(path, data)
`;

beforeAll(async () => {
  wheels = tempDir('cmp-wheels-');
  const made = await runPython(['-c', wheelScript, join(repoRoot, 'test/fakes/pip-tools/fake_pip_compile.py'), wheels, tools.pipTools], wheels);
  expect(made.code, made.stderr).toBe(0);
  await Promise.all(
    Object.entries({ defaults: presets.defaults, gpu: presets.gpu, pytorch: { framework: 'pytorch', compute: 'cpu' } }).map(async ([name, answers]) => {
      const result = await generateProject(answers);
      expect(result.code, result.stderr).toBe(0);
      projects[name] = result.dir;
    }),
  );
}, 120_000);

/** A fresh copy of a generated project. */
function copyOf(name: string): string {
  const dir = join(tempDir('cmp-lock-'), 'project');
  cpSync(projects[name]!, dir, { recursive: true });
  return dir;
}

/** docker/lock.py as make lock runs it inside the image: ML_PROJECT_LOCK set, pip offline on the stand-in wheel. */
const lockPy = (dir: string, args: readonly string[], lock: string | null = 'requirements-cpu.lock') => {
  const env: NodeJS.ProcessEnv = { ...process.env, PIP_NO_INDEX: '1', PIP_FIND_LINKS: wheels, PIP_DISABLE_PIP_VERSION_CHECK: '1', ML_PROJECT_LOCK: lock };
  if (lock === null) delete env.ML_PROJECT_LOCK;
  return runProcess(python, ['docker/lock.py', ...args], { cwd: dir, env, timeoutMs: 180_000 });
};

describe('make lock and the staleness check', () => {
  it.each([
    ['defaults', 'requirements-cpu.lock'],
    ['gpu', 'requirements-gpu.lock'],
    ['pytorch', 'requirements-cpu.lock'],
  ])('%s: compile installs the pinned pip-tools aside, runs pip-compile with hashes, and stamps %s with its inputs', async (name, lockName) => {
    const dir = copyOf(name);
    const compiled = await lockPy(dir, ['compile', '--upgrade'], lockName);
    expect(compiled.code, compiled.stderr).toBe(0);
    const args = compiled.stdout.split('\n');
    expect(args).toEqual(expect.arrayContaining(['--generate-hashes', '--allow-unsafe', '--custom-compile-command=make lock', `--output-file=${join(dir, lockName)}`, '--upgrade', 'requirements-dev.txt']));
    expect(compiled.stdout).toContain(`Wrote ${lockName}: the images install from it now`);
    const lock = readFileSync(join(dir, lockName), 'utf8');
    expect(lock.split('\n')[0]).toMatch(/^# made from requirements\.txt,requirements-dev\.txt with digest sha256:[0-9a-f]{64}$/);
    // Every pin of both files, each with a hash.
    const pins = ['requirements.txt', 'requirements-dev.txt'].flatMap((f) => readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => /^[a-z].*==/i.test(l)));
    for (const pin of pins) expect(lock, pin).toMatch(new RegExp(`^${pin.replace(/[.+]/g, '\\$&')} \\\\\\n {4}--hash=sha256:[0-9a-f]{64}$`, 'm'));
    const check = await lockPy(dir, ['check']);
    expect(check.code, check.stderr).toBe(0);
    expect(check.stdout).toBe(`Up to date with requirements.txt and requirements-dev.txt: ${lockName}\n`);
    // Made again over the existing lock: one stamp, not two.
    expect((await lockPy(dir, ['compile'], lockName)).code).toBe(0);
    expect(readFileSync(join(dir, lockName), 'utf8').match(/^# made from /gm)).toHaveLength(1);
  }, 300_000);

  it.each([
    ['a changed pin', (t: string) => t.replace(/^pandas==.*$/m, 'pandas==2.3.2')],
    ['an added package', (t: string) => `${t}rich==14.1.0\n`],
    ['a removed package', (t: string) => t.replace(/^matplotlib==.*\n/m, '')],
  ])('check fails on a lock older than requirements.txt (%s), naming the lock and make lock', async (_, edit) => {
    const dir = copyOf('defaults');
    expect((await lockPy(dir, ['compile'])).code).toBe(0);
    writeFileSync(join(dir, 'requirements.txt'), edit(readFileSync(join(dir, 'requirements.txt'), 'utf8')));
    const check = await lockPy(dir, ['check']);
    expect(check.code).toBe(1);
    expect(check.stderr).toBe('requirements-cpu.lock is older than requirements.txt and requirements-dev.txt: run `make lock` (`make lock GPU=1` for requirements-gpu.lock) and commit the lock\n');
  }, 180_000);

  it('check: a lock edited by hand without its stamp is stale; line endings alone change nothing; no lock is fine', async () => {
    const dir = copyOf('defaults');
    const none = await lockPy(dir, ['check']);
    expect(none.code).toBe(0);
    expect(none.stdout).toMatch(/^No lock \(requirements-\*\.lock\): the images install the pins/);
    expect((await lockPy(dir, ['compile'])).code).toBe(0);
    for (const file of ['requirements.txt', 'requirements-dev.txt']) writeFileSync(join(dir, file), readFileSync(join(dir, file), 'utf8').replace(/\n/g, '\r\n'));
    expect((await lockPy(dir, ['check'])).code).toBe(0);
    writeFileSync(join(dir, 'requirements-gpu.lock'), 'numpy==2.2.6 \\\n    --hash=sha256:00\n');
    const unstamped = await lockPy(dir, ['check']);
    expect(unstamped.code).toBe(1);
    expect(unstamped.stderr).toContain("requirements-gpu.lock has no '# made from' line: it was not made by make lock");
    // Only the lock named is checked.
    expect((await lockPy(dir, ['check', 'requirements-cpu.lock'])).code).toBe(0);
  }, 180_000);

  it.each([[null], ['']])('compile outside an image (ML_PROJECT_LOCK %j, as with LOCAL=1): exit 2, says where to run it, writes nothing', async (lock) => {
    const dir = copyOf('defaults');
    const result = await lockPy(dir, ['compile'], lock);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^make lock runs in a container of the project/);
    expect(existsSync(join(dir, 'requirements-cpu.lock'))).toBe(false);
  });

  it('no command or an unknown one: exit 2 with the usage', async () => {
    for (const args of [[], ['lock'], ['--check']]) {
      const result = await lockPy(projects.defaults!, args);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('python docker/lock.py compile');
    }
  });
});

describe("the Dockerfiles' install step", () => {
  /** The RUN step that installs the requirements, run by sh with pip and venv stubbed, in `dir` for /tmp/requirements. */
  async function install(dockerfile: string, dir: string) {
    const text = readFileSync(dockerfile, 'utf8');
    const lockName = /^ENV ML_PROJECT_LOCK=(\S+)$/m.exec(text)![1]!;
    const step = text.replace(/\\\n/g, '\n').split(/\n(?=[A-Z]+ |#|\n)/).find((s) => s.startsWith('RUN ') && s.includes('pip install -r'))!;
    const bin = tempDir('cmp-stubs-');
    const log = join(bin, 'log');
    writeFileSync(join(bin, 'pip'), `#!/bin/sh\necho "pip $*" >> ${log}\n`);
    // python3 runs for real (lock.py check), except the venv it would make in /opt.
    writeFileSync(join(bin, 'python3'), `#!/bin/sh\nif [ "$1" = -m ] && [ "$2" = venv ]; then echo "python3 $*" >> ${log}; exit 0; fi\nexec ${python} "$@"\n`);
    for (const stub of ['pip', 'python3']) chmodSync(join(bin, stub), 0o755);
    cpSync(join(dir, 'docker/lock.py'), join(dir, 'lock.py'));
    const script = step.slice(4).replaceAll('/tmp/requirements', dir).replace(/rm -rf \S+/, ':');
    const result = await runProcess('sh', ['-c', script], { cwd: dir, env: { PATH: `${bin}:${process.env.PATH}`, VIRTUAL_ENV: '/opt/venv', ML_PROJECT_LOCK: lockName } });
    return { ...result, lockName, calls: existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [] };
  }

  it.each([
    ['defaults', 'docker/Dockerfile.cpu'],
    ['defaults', 'docker/Dockerfile.gpu'],
    ['pytorch', 'docker/Dockerfile.cpu'],
  ])('%s %s: the pins without a lock, the lock with --require-hashes when it is current, a refusal naming make lock when it is stale', async (name, dockerfile) => {
    const dir = copyOf(name);
    const pins = await install(join(dir, dockerfile), dir);
    expect(pins.code, pins.stderr).toBe(0);
    expect(pins.calls).toEqual(['python3 -m venv --system-site-packages /opt/venv', 'pip install -r requirements.txt -r requirements-dev.txt']);

    expect((await lockPy(dir, ['compile'], pins.lockName)).code).toBe(0);
    const locked = await install(join(dir, dockerfile), dir);
    expect(locked.code, locked.stderr).toBe(0);
    expect(locked.calls.at(-1)).toBe(`pip install --require-hashes -r ${pins.lockName}`);

    writeFileSync(join(dir, 'requirements-dev.txt'), `${readFileSync(join(dir, 'requirements-dev.txt'), 'utf8')}rich==14.1.0\n`);
    const stale = await install(join(dir, dockerfile), dir);
    expect(stale.code).not.toBe(0);
    expect(stale.stderr).toContain(`${pins.lockName} is older than requirements.txt and requirements-dev.txt: run \`make lock\``);
    expect(stale.calls.filter((c) => c.startsWith('pip '))).toEqual([]);
  }, 180_000);

  it('each image installs its own lock: the CPU image requirements-cpu.lock, the GPU image requirements-gpu.lock', () => {
    for (const kind of ['cpu', 'gpu']) {
      expect(readFileSync(join(projects.defaults!, `docker/Dockerfile.${kind}`), 'utf8')).toMatch(new RegExp(`^ENV ML_PROJECT_LOCK=requirements-${kind}\\.lock$`, 'm'));
    }
  });
});
