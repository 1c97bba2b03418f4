/** "Did you mean" hints: the known name closest to a mistyped one. */

/** Levenshtein distance, for "did you mean" hints on typos. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** The candidate nearest to `value` (case, `-` and `_` aside), when near enough to be a typo of it. */
export function closest(value: string, candidates: Iterable<string>): string | undefined {
  // A typo is short; a megabyte of text is not worth comparing.
  if (value.length > 64) return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  const needle = value.toLowerCase().replace(/[-_]/g, '');
  for (const candidate of candidates) {
    const distance = editDistance(needle, candidate.toLowerCase().replace(/[-_]/g, ''));
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return bestDistance <= Math.max(2, Math.floor(value.length / 3)) ? best : undefined;
}
