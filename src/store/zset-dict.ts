/**
 * ZDict: a sorted set's member -> score map (t_zset.c's zset->dict), an
 * IndexedMap (./indexed.ts) specialised for scores and addressed by slot:
 * ZADD finds a member's slot once, reads the old score and writes the new
 * one there, where IndexedMap's get + set hashed and probed the member twice
 * more (commands/zset.ts, zaddGeneric; the measurement is in the commit
 * that introduced this file).
 *
 * Layout and scan guarantee as IndexedMap's: members[slot] and scores[slot]
 * are dense; `index` (a StringIndex) maps a member to its slot; delete moves
 * the last slot into the freed one. Invariant ("scan-downward"): scan()
 * visits slots from the highest down, so a member present during a whole
 * ZSCAN is returned at least once. randomKey() is uniform in O(1).
 *
 *   const d = new ZDict();
 *   d.add('a', 1); const slot = d.find('a'); d.setScoreAt(slot, 2);
 */
import { StringIndex } from './string-index';

export class ZDict {
  private readonly members: string[] = [];
  private readonly scores: number[] = [];
  private readonly index = new StringIndex(this.members);

  get size(): number {
    return this.members.length;
  }

  /** The slot of member, or -1 when absent. */
  find(member: string): number {
    return this.index.find(member);
  }

  has(member: string): boolean {
    return this.index.find(member) >= 0;
  }

  get(member: string): number | undefined {
    const i = this.index.find(member);
    return i < 0 ? undefined : this.scores[i];
  }

  /** Adds member, which must be absent. */
  add(member: string, score: number): void {
    this.index.insert(member, this.members.length);
    this.members.push(member);
    this.scores.push(score);
  }

  /** Sets the score of a present member (its slot from find()). */
  setScoreAt(slot: number, score: number): void {
    this.scores[slot] = score;
  }

  delete(member: string): boolean {
    const i = this.index.remove(member);
    if (i < 0) return false;
    const last = this.members.length - 1;
    if (i !== last) {
      const lm = this.members[last];
      this.members[i] = lm;
      this.scores[i] = this.scores[last];
      this.index.move(lm, i);
    }
    this.members.pop();
    this.scores.pop();
    return true;
  }

  /** A uniformly random member, or undefined when empty. */
  randomKey(): string | undefined {
    const n = this.members.length;
    if (n === 0) return undefined;
    return this.members[Math.floor(Math.random() * n)];
  }

  /** The member and score at a slot (0 <= slot < size). */
  keyAt(slot: number): string {
    return this.members[slot];
  }

  valAt(slot: number): number {
    return this.scores[slot];
  }

  /**
   * Visits about `count` slots going downward from the cursor and returns the
   * next cursor (0 when done). Cursor 0 starts at the top; cursor c > 0
   * resumes at slot c - 1.
   */
  scan(cursor: number, count: number, visit: (member: string, score: number) => void): number {
    let slot = cursor === 0 ? this.members.length - 1 : Math.min(cursor - 1, this.members.length - 1);
    for (let n = 0; slot >= 0 && n < count; n++, slot--) visit(this.members[slot], this.scores[slot]);
    return slot < 0 ? 0 : slot + 1;
  }
}
