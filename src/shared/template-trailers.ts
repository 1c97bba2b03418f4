/**
 * The trailers that mark a template commit: a commit whose tree is exactly
 * what the generator rendered. Generation writes them on a project's first
 * commit; update finds the base of its merge by them.
 *
 *   Create-ML-Project: 0.2.0            the generator version
 *   Create-ML-Project-Tree: <tree id>   the rendered tree, so that an amended
 *                                       commit no longer counts as pristine
 *   Create-ML-Project-Path: ml/churn    only for a project below the repository root
 */

export const VERSION_TRAILER = 'Create-ML-Project';
export const TREE_TRAILER = 'Create-ML-Project-Tree';
export const PATH_TRAILER = 'Create-ML-Project-Path';

/** The trailer lines for a template commit of `tree`. */
export function templateTrailers(version: string, tree: string, prefix: string): string {
  return [`${VERSION_TRAILER}: ${version}`, `${TREE_TRAILER}: ${tree}`, ...(prefix ? [`${PATH_TRAILER}: ${prefix}`] : [])].join('\n');
}
