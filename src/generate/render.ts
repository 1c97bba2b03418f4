/**
 * Rendering, pure: answers and template files in, a map of output path to
 * content out. No disk, no clock (the year comes in), no environment.
 */
import ejs from 'ejs';
import { FailureError } from '../shared/errors.js';
import { escapers } from '../shared/escape.js';
import { hasCpuImage, hasGpuImage, isIncluded, outputPath } from './manifest.js';
import type { Answers } from './questions.js';
import { storedConfig } from './stored.js';
import type { TemplateFunction } from './precompiled.js';
import type { TemplateFile } from './templates.js';
import { versions } from '../shared/versions.js';

export interface RenderedFile {
  content: Buffer;
  mode: number;
}

export type RenderedProject = Map<string, RenderedFile>;

export interface RenderContext {
  year: number;
  generatorVersion: string;
}

function templateData(answers: Answers, context: RenderContext): Record<string, unknown> {
  return {
    ...answers,
    cpu: hasCpuImage(answers),
    gpu: hasGpuImage(answers),
    year: context.year,
    generatorVersion: context.generatorVersion,
    v: versions,
    ...escapers,
  };
}

function compile(file: TemplateFile): TemplateFunction {
  return ejs.compile(file.content.toString('utf8'), { filename: file.path, async: false });
}

function renderTemplate(file: TemplateFile, data: Record<string, unknown>): Buffer {
  try {
    // compile (unless the build did), then call with data: user values never reach EJS options.
    return Buffer.from((file.render ?? compile(file))(data), 'utf8');
  } catch (error) {
    const reported = (file.render && whereItFails(file, data)) || (error as Error);
    throw new FailureError(`Template ${file.path} failed to render: ${reported.message}`);
  }
}

/** The error of a template compiled here, with the line it fails at (the build's functions keep no line numbers). */
function whereItFails(file: TemplateFile, data: Record<string, unknown>): Error | undefined {
  try {
    compile(file)(data);
  } catch (error) {
    return error as Error;
  }
  return undefined;
}

export function renderProject(answers: Answers, templates: readonly TemplateFile[], context: RenderContext): RenderedProject {
  const data = templateData(answers, context);
  const project: RenderedProject = new Map();
  for (const file of templates) {
    const path = outputPath(file.path, answers.packageName);
    if (!isIncluded(path, answers)) continue;
    const content = file.path.endsWith('.ejs') ? renderTemplate(file, data) : file.content;
    project.set(path, { content, mode: file.mode });
  }
  project.set('.yo-rc.json', { content: Buffer.from(storedConfig(answers, context.generatorVersion)), mode: 0o644 });
  // Code-point order, the same under every locale.
  return new Map([...project].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
