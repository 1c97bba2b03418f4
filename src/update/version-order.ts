/**
 * Ordering of the package's versions (semantic versioning: numbers compared
 * as numbers, a pre-release before its release).
 */

const pattern = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

export function isVersion(text: string): boolean {
  return pattern.test(text);
}

function identifiers(pre: string): (number | string)[] {
  return pre.split('.').map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/** Negative when a is older than b, positive when newer, 0 when the same release. */
export function compareVersions(a: string, b: string): number {
  const x = pattern.exec(a);
  const y = pattern.exec(b);
  if (!x || !y) throw new Error(`Not a version: ${x ? b : a}`);
  for (let i = 1; i <= 3; i++) {
    const d = Number(x[i]) - Number(y[i]);
    if (d !== 0) return Math.sign(d);
  }
  if (!x[4] || !y[4]) return x[4] ? -1 : y[4] ? 1 : 0;
  const p = identifiers(x[4]);
  const q = identifiers(y[4]);
  for (let i = 0; i < Math.max(p.length, q.length); i++) {
    if (p[i] === undefined) return -1;
    if (q[i] === undefined) return 1;
    if (p[i] === q[i]) continue;
    if (typeof p[i] === 'number' && typeof q[i] === 'number') return Math.sign((p[i] as number) - (q[i] as number));
    if (typeof p[i] === 'number') return -1;
    if (typeof q[i] === 'number') return 1;
    return (p[i] as string) < (q[i] as string) ? -1 : 1;
  }
  return 0;
}
