/**
 * Other versions of create-ml-project, run through npx (which fetches them
 * from the npm registry, or takes them from its cache): to carry out
 * `update --to VERSION`, and to render the template of the version a project
 * was made with when its history does not hold that render.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FailureError } from '../shared/errors.js';
import { INTERRUPT_SIGNALS } from '../shared/signals.js';
import type { RawAnswers } from '../generate/answers.js';
import type { RenderedProject } from '../generate/render.js';
import { readFolder } from '../generate/templates.js';

export const PACKAGE = 'create-ml-project';

export function npxArgs(version: string, args: readonly string[]): string[] {
  return ['--yes', `--package=${PACKAGE}@${version}`, '--', PACKAGE, ...args];
}

/** The command a user types to run `args` with another version. */
export function publishedCommand(version: string, args: string): string {
  return `npx ${PACKAGE}@${version} ${args}`;
}

export interface PublishedRun {
  code: number;
  stderr: string;
}

/** The signal an abort stands for: its reason when that names one (the CLI aborts with the signal it got). */
function signalOf(abort: AbortSignal): NodeJS.Signals {
  return typeof abort.reason === 'string' && abort.reason.startsWith('SIG') ? (abort.reason as NodeJS.Signals) : 'SIGTERM';
}

/**
 * Runs a published version with the given arguments; `inherit` passes the
 * terminal through. An interrupt is passed on to it: a SIGTERM or SIGHUP sent
 * to this process alone would not reach it.
 */
export function runPublished(version: string, args: readonly string[], options: { cwd: string; inherit: boolean; signal?: AbortSignal }): Promise<PublishedRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', npxArgs(version, args), {
      cwd: options.cwd,
      stdio: options.inherit ? 'inherit' : ['ignore', 'ignore', 'pipe'],
    });
    const { signal } = options;
    const forward = () => child.kill(signalOf(signal!));
    if (signal?.aborted) forward();
    signal?.addEventListener('abort', forward, { once: true });
    child.on('exit', () => signal?.removeEventListener('abort', forward));
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ENOENT' ? new FailureError(`npx was not found: it comes with npm, which running ${PACKAGE}@${version} needs.`) : error),
    );
    // A child ended by Ctrl-C reports it the way a shell does.
    child.on('close', (code, ended) => resolve({ code: code ?? ((INTERRUPT_SIGNALS as readonly string[]).includes(ended ?? '') ? 130 : 1), stderr }));
  });
}

/** What `version` renders for these answers, by running it into a scratch folder. */
export async function renderPublished(version: string, answers: RawAnswers, signal?: AbortSignal): Promise<RenderedProject> {
  const scratch = await mkdtemp(join(tmpdir(), 'cmp-published-'));
  try {
    const out = join(scratch, 'out');
    await mkdir(out);
    const answersFile = join(scratch, 'answers.json');
    await writeFile(answersFile, JSON.stringify(answers));
    const run = await runPublished(version, ['--answers', answersFile, '--yes', '--no-git'], { cwd: out, inherit: false, signal });
    const folders = run.code === 0 ? await readdir(out) : [];
    if (folders.length !== 1) {
      const reason = run.stderr.trim().split('\n').slice(-3).join(' ') || `exit ${run.code}`;
      throw new FailureError(`Could not render the template of ${PACKAGE} ${version} (${reason}).`);
    }
    const files = await readFolder(join(out, folders[0]!));
    return new Map(files.map(({ path, content, mode }) => [path, { content, mode }]));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
