/**
 * The live configuration: one canonical string per directive (what CONFIG
 * GET prints) plus typed accessors for the hot paths.
 *
 *   const cfg = new Config();
 *   cfg.set('port', '7000');       // null, or an Error with the reason it was refused
 *   cfg.port                       // 7000
 *
 * Listeners registered with onChange() apply a change (the encoding limits,
 * hz, loglevel, the requirepass of the default user...). Values are checked
 * with Redis 7.0's rules and error texts (config.c): integers as string2ll,
 * memory values with units (1k = 1000, 1kb = 1024, m/mb, g/gb), yes/no and
 * enums case-insensitively.
 */
import path from 'node:path';
import { BY_NAME, DIRECTIVES, NOT_SUPPORTED_HINT, type Directive } from './directives';
import { REDIS_DIRECTIVES } from './redis-directives';
import { DefaultUser } from './default-user';
import { parseBigInt64 } from '../util/numbers';

const UNITS: Record<string, bigint> = {
  '': 1n, b: 1n, k: 1000n, kb: 1024n, m: 1000n ** 2n, mb: 1024n ** 2n, g: 1000n ** 3n, gb: 1024n ** 3n,
};

/** Redis's memtoull: digits with an optional unit; null if invalid (negative included). */
export function parseMemory(s: string): bigint | null {
  const m = /^(\d+)([kmg]b?|b)?$/i.exec(s);
  if (!m) return null;
  return BigInt(m[1]) * UNITS[(m[2] ?? '').toLowerCase()];
}

/** The shortest redis.conf spelling of a byte count (CONFIG REWRITE writes `512mb`). */
export function formatMemory(v: string): string {
  const n = BigInt(v);
  if (n === 0n) return '0';
  for (const u of ['gb', 'mb', 'kb'] as const) {
    if (n % UNITS[u] === 0n) return `${n / UNITS[u]}${u}`;
  }
  return v;
}

/** The reason a value is refused, as Redis words it (without the directive name). */
export type Reason = string;

/** Canonical form of `args` for directive d (whose value is now `current`), or the reason it is refused. */
export function check(d: Directive, args: string[], current = d.default): { value: string } | { reason: Reason } {
  if (d.parse) return d.parse(args, current);
  if (d.type === 'list' ? args.length === 0 : args.length !== 1) return { reason: 'wrong number of arguments' };
  const raw = args[0];
  let v: string;
  switch (d.type) {
    case 'bool': {
      v = raw.toLowerCase();
      if (v !== 'yes' && v !== 'no') return { reason: "argument must be 'yes' or 'no'" };
      break;
    }
    case 'enum': {
      v = raw.toLowerCase();
      if (!d.values!.includes(v)) return { reason: `argument(s) must be one of the following: ${d.values!.join(', ')}` };
      break;
    }
    case 'int':
    case 'memory': {
      const n = d.type === 'memory' ? parseMemory(raw) : parseBigInt64(raw);
      if (n === null) {
        return { reason: d.type === 'memory' ? 'argument must be a memory value' : "argument couldn't be parsed into an integer" };
      }
      const min = BigInt(d.min ?? -(2n ** 63n));
      const max = BigInt(d.max ?? 2n ** 63n - 1n);
      if (n < min || n > max) return { reason: `argument must be between ${min} and ${max} inclusive` };
      v = String(n);
      break;
    }
    case 'string':
      v = raw;
      break;
    case 'list':
      v = args.flatMap((a) => a.split(' ')).filter(Boolean).join(' ');
      break;
  }
  return { value: d.adjust ? d.adjust(v) : v };
}

export class Config {
  private values = new Map<string, string>();
  private defaults = new Map<string, string>();
  private listeners: ((name: string, value: string) => void)[] = [];
  /** Absolute path of the config file the server was started with (null: none; CONFIG REWRITE needs one). */
  file: string | null = null;
  /** The default user's passwords: requirepass, and the config file's `user default ...` line. */
  readonly defaultUser = new DefaultUser();

  constructor() {
    for (const d of DIRECTIVES) {
      let v = d.default;
      if (d.name === 'dir') v = path.resolve(process.env.DATA_DIR || v);
      this.defaults.set(d.name, v);
      this.values.set(d.name, v);
    }
    // First listener: the server's see the default user already changed.
    this.onChange((name, value) => {
      if (name === 'requirepass') this.defaultUser.setRequirepass(value);
    });
  }

  /** The canonical value of a directive (or alias). */
  get(name: string): string {
    const d = BY_NAME.get(name);
    if (!d) throw new Error(`unknown directive ${name}`);
    return this.values.get(d.name)!;
  }

  /** The value a directive starts with (dir: $DATA_DIR or ./data, absolute). */
  defaultOf(d: Directive): string {
    return this.defaults.get(d.name)!;
  }

  /**
   * Sets a directive from a config file, the command line or the embedding
   * API (`args`: its arguments, or one string); returns null, or an Error
   * with the reason it was refused.
   */
  set(name: string, args: string | string[]): Error | null {
    const d = BY_NAME.get(name.toLowerCase());
    if (!d) {
      if (REDIS_DIRECTIVES.has(name.toLowerCase())) return new Error(`'${name.toLowerCase()}' ${NOT_SUPPORTED_HINT}`);
      return new Error('Bad directive or wrong number of arguments');
    }
    const r = check(d, typeof args === 'string' ? [args] : args, this.values.get(d.name));
    if ('reason' in r) return new Error(r.reason);
    this.assign([[d, r.value]]);
    return null;
  }

  /** Stores already checked canonical values, then tells the listeners (CONFIG SET applies a batch at once). */
  assign(changes: [Directive, string][]): void {
    for (const [d, v] of changes) this.values.set(d.name, d.name === 'dir' ? path.resolve(v) : v);
    for (const [d] of changes) {
      const v = this.values.get(d.name)!;
      for (const l of this.listeners) l(d.name, v);
    }
  }

  onChange(fn: (name: string, value: string) => void): void {
    this.listeners.push(fn);
  }

  /** Every directive with its canonical value, in table order. */
  entries(): [string, string][] {
    return DIRECTIVES.map((d) => [d.name, this.values.get(d.name)!]);
  }

  int(name: string): number {
    return Number(this.get(name));
  }

  bool(name: string): boolean {
    return this.get(name) === 'yes';
  }

  get port(): number {
    return this.int('port');
  }

  get bind(): string[] {
    return this.get('bind').split(' ').filter(Boolean);
  }

  get databases(): number {
    return this.int('databases');
  }
}
