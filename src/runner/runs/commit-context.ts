/**
 * The build context of a run's image: the project's files at the pinned
 * commit (git archive), less what the commit's .dockerignore leaves out, as
 * the docker CLI would send them. The Dockerfile and .dockerignore always go in.
 */
import { extract, pack } from 'tar-stream';
import { createMatcher } from '../dockerignore.js';
import type { Git, Source } from './source.js';

export async function commitContext(git: Git, source: Source, dockerfile: string): Promise<NodeJS.ReadableStream> {
  const ignore = createMatcher((await git.show(source.commit, `${source.prefix ? `${source.prefix}/` : ''}.dockerignore`)) ?? '');
  const always = new Set([dockerfile, '.dockerignore']);
  const reader = extract();
  const writer = pack();
  reader.on('entry', (header, stream, next) => {
    const path = header.name.replace(/^\.\//, '').replace(/\/$/, '');
    if (ignore.ignores(path) && !always.has(path)) {
      stream.on('end', () => next());
      stream.resume();
      return;
    }
    stream.pipe(writer.entry(header, (error) => next(error ?? undefined)));
  });
  reader.on('finish', () => writer.finalize());
  reader.on('error', (error: Error) => writer.destroy(error));
  const archive = git.archive(source);
  archive.on('error', (error: Error) => writer.destroy(error));
  archive.pipe(reader as unknown as NodeJS.WritableStream);
  return writer as unknown as NodeJS.ReadableStream;
}
