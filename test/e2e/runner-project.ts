/**
 * Copies of a generated project for `ml-project` on the private engine. The
 * runner always passes `-f docker-compose.yml`, so in each copy that file
 * becomes the host-network version: compose-copy's files (ports and networks
 * removed, test/fixtures/compose/host-network.yml) merged into one.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { User } from './as-user.js';
import { writeComposeCopy } from './compose-copy.js';

type Services = Record<string, Record<string, unknown>>;

export interface ProjectCopy {
  dir: string;
  name: string;
  /** For each service with a published port: the port it listens on (host networking). */
  listens: Record<string, number>;
}

/**
 * `cp -a` of the generated project to `<parent>/<name>`, renamed to `name`
 * (its .yo-rc.json projectName, so its own image tag, and its .env.example's
 * COMPOSE_PROJECT_NAME), with docker-compose.yml on host networking, owned by
 * the user.
 */
export function copyProject(pristine: string, parent: string, name: string, user: User, env: NodeJS.ProcessEnv): ProjectCopy {
  mkdirSync(parent, { recursive: true });
  const dir = join(parent, name);
  rmSync(dir, { recursive: true, force: true });
  execFileSync('cp', ['-a', pristine, dir]);

  const yoRc = join(dir, '.yo-rc.json');
  const stored = JSON.parse(readFileSync(yoRc, 'utf8')) as Record<string, { answers: Record<string, unknown> }>;
  stored['create-ml-project']!.answers.projectName = name;
  writeFileSync(yoRc, `${JSON.stringify(stored, null, 2)}\n`);
  const example = join(dir, '.env.example');
  writeFileSync(example, readFileSync(example, 'utf8').replace(/^COMPOSE_PROJECT_NAME=.*$/m, `COMPOSE_PROJECT_NAME='${name}'`));

  const copy = writeComposeCopy(dir, ['docker-compose.yml'], env);
  const [main, ...overrides] = copy.files.map((f) => parse(readFileSync(join(dir, f), 'utf8')) as { services: Services });
  for (const override of overrides) {
    for (const [service, settings] of Object.entries(override.services ?? {})) main!.services[service] = { ...main!.services[service], ...settings };
  }
  writeFileSync(join(dir, 'docker-compose.yml'), stringify(main, { aliasDuplicateObjects: false }));
  for (const f of copy.files) rmSync(join(dir, f));

  if (user.switch) execFileSync('chown', ['-R', `${user.uid}:${user.gid}`, parent]);
  return { dir, name, listens: copy.listens };
}
