/**
 * `ml-project doctor`: one line per thing the stack needs (engine, compose,
 * NVIDIA, free ports, and in a PyTorch project on the GPU image the GPUs
 * torch sees inside the running stack), each missing one with its fix. Checks go on after a
 * failure so one run shows everything; the exit code is the worst result.
 */
import { CliError, ExitCode } from '../../shared/errors.js';
import { COMPOSE_HINT } from '../compose.js';
import type { Engine } from '../engine.js';
import { isLocal } from '../endpoint.js';
import { nvidiaSupport, type NvidiaSupport } from '../gpu.js';
import { checkPort } from '../ports.js';
import { findRoot, loadProject } from '../project.js';
import { NVIDIA_HINT } from '../errors.js';
import type { Check } from './check.js';
import { line, type RunnerContext } from './context.js';
import { gpuCheck, stackUsesGpu } from './doctor-gpus.js';
import { stackCompose } from './stack.js';


export async function doctor(ctx: RunnerContext, json: boolean): Promise<number> {
  const checks: Check[] = [];
  let code: number = ExitCode.ok;
  const project = (() => {
    const root = findRoot(ctx.cwd);
    return root ? loadProject(root, ctx.env) : undefined;
  })();

  let remote = false;
  let engine: Engine | undefined;
  let nvidia: NvidiaSupport | undefined;
  try {
    remote = !isLocal(ctx.endpoint());
    engine = await ctx.connect();
    const v = await engine.version();
    checks.push({ name: 'engine', status: 'ok', detail: `Docker ${v.version} (API ${v.apiVersion}) at ${engine.endpoint}` });
    nvidia = nvidiaSupport(await engine.info());
    const needsGpu = project?.compute === 'gpu';
    checks.push(
      nvidia.available
        ? { name: 'nvidia', status: 'ok', detail: `GPU containers supported: ${nvidia.detail}` }
        : { name: 'nvidia', status: needsGpu ? 'fail' : 'warn', detail: `no GPU support: ${nvidia.detail}; builds use the CPU image`, fix: NVIDIA_HINT },
    );
    if (needsGpu && !nvidia.available) code = ExitCode.failure;
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    const [first, ...rest] = error.message.split('\n');
    checks.push({ name: 'engine', status: 'fail', detail: first!, fix: rest.join('\n') || undefined });
    code = error.exitCode;
  }

  const compose = await ctx.findCompose();
  if ('missing' in compose) {
    checks.push({ name: 'compose', status: 'fail', detail: compose.missing.replace(` ${COMPOSE_HINT}`, ''), fix: COMPOSE_HINT });
    if (code === ExitCode.ok) code = ExitCode.failure;
  } else {
    checks.push({ name: 'compose', status: 'ok', detail: `${compose.command.join(' ')} ${compose.version}` });
    if (engine && nvidia && project?.gpuCheckModule && stackUsesGpu(project, nvidia)) {
      const gpus = await gpuCheck(project.gpuCheckModule, stackCompose(compose, project, ctx.env), { engine, project, env: ctx.env }, ctx.signal);
      checks.push(gpus);
      if (gpus.status === 'fail' && code === ExitCode.ok) code = ExitCode.failure;
    }
  }

  if (project && !remote) {
    for (const setting of project.ports) {
      const state = await checkPort(setting.port);
      checks.push(
        state === 'free'
          ? { name: `port ${setting.port}`, status: 'ok', detail: `free for ${setting.service} (${setting.variable}, from ${setting.source})` }
          : {
              name: `port ${setting.port}`,
              status: 'warn',
              detail: `in use (${setting.service}, ${setting.variable}); fine if it is this project's running stack (ml-project status)`,
              fix: `${setting.variable}=${setting.port === 9900 ? 9901 : 9900} make create-container`,
            },
      );
    }
  } else if (project) {
    checks.push({ name: 'ports', status: 'ok', detail: 'remote engine: its host checks the ports when the stack starts' });
  } else {
    checks.push({ name: 'project', status: 'warn', detail: 'not inside a generated project: ports not checked' });
  }

  if (json) {
    line(ctx.stdout, JSON.stringify({ ok: code === ExitCode.ok, exitCode: code, project: project?.root ?? null, checks }, null, 2));
    return code;
  }
  for (const c of checks) {
    line(ctx.stdout, `${c.status.padEnd(4)}  ${c.name.padEnd(10)}  ${c.detail}`);
    if (c.fix && c.status !== 'ok') for (const f of c.fix.split('\n')) line(ctx.stdout, `${' '.repeat(18)}${f}`);
  }
  return code;
}
