/**
 * `ml-project targets`: the targets of configs/targets.yml, each checked the
 * way a run would reach it (its engine pinged, its scheduler or API asked).
 * The exit code is the worst result, as for doctor: 3 when one is unreachable.
 */
import { CliError, ExitCode } from '../../shared/errors.js';
import { requireProject } from '../project.js';
import { openBackend } from '../runs/open.js';
import { Git } from '../runs/source.js';
import { loadTargets, type Target } from '../runs/targets.js';
import { line, type RunnerContext } from './context.js';

interface Row {
  name: string;
  kind: Target['kind'];
  default: boolean;
  where?: string;
  ok: boolean;
  detail: string;
  exitCode: number;
}

export async function listTargets(ctx: RunnerContext, json: boolean): Promise<number> {
  const project = requireProject(ctx.cwd, ctx.env);
  const targets = loadTargets(project.root);
  const git = new Git(project.root, ctx.env);
  const rows = await Promise.all(
    [...targets.targets.values()].map(async (target): Promise<Row> => {
      const row = { name: target.name, kind: target.kind, default: target.name === targets.default };
      try {
        const backend = await openBackend(target, git, ctx.env, targets.file);
        return { ...row, where: backend.where, ok: true, detail: await backend.check(), exitCode: ExitCode.ok };
      } catch (error) {
        if (!(error instanceof CliError)) throw error;
        return { ...row, ok: false, detail: error.message.split('\n')[0]!, exitCode: error.exitCode };
      }
    }),
  );
  const code = Math.max(ExitCode.ok, ...rows.map((r) => r.exitCode));
  if (json) {
    line(ctx.stdout, JSON.stringify({ file: targets.file, default: targets.default, targets: rows }, null, 2));
    return code;
  }
  for (const r of rows) line(ctx.stdout, `${(r.ok ? 'ok' : 'fail').padEnd(6)}${`${r.name}${r.default ? '*' : ''}`.padEnd(16)}${r.kind.padEnd(12)}${r.detail}`);
  line(ctx.stdout, `(* the default target; ${targets.file})`);
  return code;
}
