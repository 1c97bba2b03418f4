/**
 * `create-ml-project check`: whether this version of the generator is newer
 * than the one the project was last updated to; for CI, with --json.
 */
import { STORE_KEY } from '../shared/project-file.js';
import { publishedCommand } from './published.js';
import { findProject, recordedVersion } from './repository.js';
import { compareVersions } from './version-order.js';

export interface CheckReport {
  project: string;
  /** The version in the project's .yo-rc.json; null when it records none. */
  projectVersion: string | null;
  /** This generator's version. */
  available: string;
  updateAvailable: boolean;
  /** The command that updates, when there is an update. */
  command: string | null;
}

export async function checkProject(cwd: string, version: string): Promise<CheckReport> {
  const project = await findProject(cwd);
  const recorded = recordedVersion(project);
  const updateAvailable = recorded === undefined || compareVersions(recorded, version) < 0;
  return {
    project: project.dir,
    projectVersion: recorded ?? null,
    available: version,
    updateAvailable,
    command: updateAvailable ? publishedCommand(version, 'update') : null,
  };
}

export function describeCheck(report: CheckReport): string {
  const { projectVersion: recorded, available } = report;
  if (recorded === null) return `${report.project}/.yo-rc.json records no ${STORE_KEY} version; ${available} is available: ${report.command}`;
  if (report.updateAvailable) return `${STORE_KEY} ${available} is available (the project is on ${recorded}): ${report.command}`;
  const comparison = compareVersions(recorded, available);
  return comparison === 0
    ? `Up to date: the project is on ${STORE_KEY} ${recorded}.`
    : `Up to date: the project is on ${STORE_KEY} ${recorded}, newer than this ${available}.`;
}
