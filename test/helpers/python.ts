/**
 * Debian's python3 and the generated project's code, run as its users run
 * them: a child process in the project folder, no tracking server.
 */
import { runProcess, type ProcessResult } from './process.js';

export const python = '/usr/bin/python3';

export type Run = ProcessResult;

/** Runs Debian's python3 (or `command`) in `cwd` with no tracking server configured; never throws on a non-zero exit. */
export function runPython(args: readonly string[], cwd: string, timeoutMs = 120_000, command = python): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, MPLBACKEND: 'Agg', PYTHONDONTWRITEBYTECODE: '1' };
  delete env.MLFLOW_TRACKING_URI;
  delete env.PYTHONPATH;
  return runProcess(command, args, { cwd, env, timeoutMs });
}

/** Runs the notebook's code cells in order from notebooks/, as Jupyter would (no kernel needed). */
export const notebookScript = `
import json, sys
cells = json.load(open(sys.argv[1], encoding="utf-8"))["cells"]
code = "\\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
exec(compile(code, sys.argv[1], "exec"), {"__name__": "__main__"})
print("notebook ran")
`;
