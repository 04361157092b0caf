/**
 * The array model of ListValue.remove (LREM) shared by the list property
 * tests: removes up to `count` elements equal to v (0: all), scanning from
 * the tail when fromTail; returns how many went.
 */
export function modelRemove(m: string[], v: string, count: number, fromTail: boolean): number {
  let removed = 0;
  const idx = m.map((_, i) => i);
  if (fromTail) idx.reverse();
  const drop = new Set<number>();
  for (const i of idx) {
    if (m[i] === v && (count === 0 || removed < count)) {
      drop.add(i);
      removed++;
    }
  }
  const kept = m.filter((_, i) => !drop.has(i));
  m.length = 0;
  m.push(...kept);
  return removed;
}
