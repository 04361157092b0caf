/**
 * Random sampling shared by the commands that return random elements
 * (HRANDFIELD, SRANDMEMBER, SPOP with a count, ZRANDMEMBER).
 */

/**
 * Picks `count` distinct positions in [0, size) uniformly (count < size):
 * rejection sampling when count is small against size, a partial
 * Fisher-Yates shuffle otherwise (Redis's CASE 3 / CASE 4).
 */
export function distinctRandomIndexes(size: number, count: number): number[] {
  const out: number[] = [];
  if (count * 3 > size) {
    const idx = new Array<number>(size);
    for (let i = 0; i < size; i++) idx[i] = i;
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(Math.random() * (size - i));
      const t = idx[i];
      idx[i] = idx[j];
      idx[j] = t;
      out.push(idx[i]);
    }
    return out;
  }
  const seen = new Set<number>();
  while (out.length < count) {
    const i = Math.floor(Math.random() * size);
    if (seen.has(i)) continue;
    seen.add(i);
    out.push(i);
  }
  return out;
}
