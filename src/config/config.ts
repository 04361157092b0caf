/**
 * The live configuration: one canonical string per directive (what CONFIG
 * GET prints) plus typed accessors for the hot paths.
 *
 *   const cfg = new Config();
 *   cfg.set('port', '7000');       // null, or the reason it was refused
 *   cfg.port                       // 7000
 *
 * Listeners registered with onChange() apply a change (the encoding limits,
 * hz, the requirepass of the default user...).
 */
import { BY_NAME, DIRECTIVES, type Directive } from './directives';

/** Parses Redis's memory units: 1k = 1000, 1kb = 1024, m/mb, g/gb; null if invalid. */
export function parseMemory(s: string): number | null {
  const m = /^(-?\d+)([kmg]b?|b)?$/i.exec(s);
  if (!m) return null;
  const n = Number(m[1]);
  const unit = (m[2] ?? '').toLowerCase();
  const mul: Record<string, number> = {
    '': 1, b: 1, k: 1000, kb: 1024, m: 1000 * 1000, mb: 1024 * 1024, g: 1000 * 1000 * 1000, gb: 1024 * 1024 * 1024,
  };
  return n * mul[unit];
}

/** Canonical form of a value for directive d, or an Error with Redis's reason. */
export function normalize(d: Directive, raw: string): string | Error {
  switch (d.type) {
    case 'bool': {
      const v = raw.toLowerCase();
      if (v !== 'yes' && v !== 'no') return new Error('argument must be \'yes\' or \'no\'');
      return v;
    }
    case 'enum': {
      const v = raw.toLowerCase();
      if (!d.values!.includes(v)) return new Error(`argument(s) must be one of the following: ${d.values!.join(', ')}`);
      return v;
    }
    case 'int':
    case 'memory': {
      const n = d.type === 'memory' ? parseMemory(raw) : /^-?\d+$/.test(raw) ? Number(raw) : null;
      if (n === null || !Number.isSafeInteger(n)) {
        return new Error(d.type === 'memory' ? 'argument must be a memory value' : "argument couldn't be parsed into an integer");
      }
      if ((d.min !== undefined && n < d.min) || (d.max !== undefined && n > d.max)) {
        return new Error(`argument must be between ${d.min} and ${d.max} inclusive`);
      }
      return String(n);
    }
    case 'string':
      return raw;
    case 'list':
      return raw.trim().split(/\s+/).filter(Boolean).join(' ');
  }
}

export class Config {
  private values = new Map<string, string>();
  private listeners: ((name: string, value: string) => void)[] = [];

  constructor() {
    for (const d of DIRECTIVES) this.values.set(d.name, d.default);
    if (process.env.DATA_DIR) this.values.set('dir', process.env.DATA_DIR);
  }

  /** The canonical value of a directive (or alias). */
  get(name: string): string {
    const d = BY_NAME.get(name);
    if (!d) throw new Error(`unknown directive ${name}`);
    return this.values.get(d.name)!;
  }

  /** Sets a directive; returns null, or an Error with the reason it was refused. */
  set(name: string, raw: string): Error | null {
    const d = BY_NAME.get(name.toLowerCase());
    if (!d) return new Error('Bad directive or wrong number of arguments');
    const v = normalize(d, raw);
    if (v instanceof Error) return v;
    this.values.set(d.name, v);
    for (const l of this.listeners) l(d.name, v);
    return null;
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

  get requirepass(): string {
    return this.get('requirepass');
  }

  get databases(): number {
    return this.int('databases');
  }
}
