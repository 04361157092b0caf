/**
 * Reading kevy.conf (redis.conf syntax) and `--directive value` options into
 * a Config.
 *
 *   # a comment
 *   port 7000
 *   bind 127.0.0.1 -::1          # (not a comment: '#' only starts one at the beginning of a line)
 *   requirepass "with \"quotes\" and \x41 hex"
 *   logfile 'single quoted'
 *   proto-max-bulk-len 64mb
 *   include /etc/kevy/extra.conf
 *
 * Lines are split as Redis's sdssplitargs does. Later lines win; `include`
 * reads another file at that point (a glob pattern includes every match, none
 * is fine). The first bad line stops the load with a ConfigFileError naming
 * the file and line, the line and the reason; a Redis directive kevy lacks is
 * refused as such, never ignored (Redis's few deprecated no-op directives
 * excepted, as Redis ignores them too).
 */
import fs from 'node:fs';
import path from 'node:path';
import { BY_NAME, NOT_SUPPORTED_HINT } from './directives';
import { check, type Config } from './config';
import { REDIS_DEPRECATED, REDIS_DIRECTIVES } from './redis-directives';
import { globMatch } from '../util/glob';
import { splitArgs } from '../protocol/inline';

export class ConfigFileError extends Error {
  constructor(
    /** `file:line`, `command line`, or null for a whole-config problem. */
    readonly where: string | null,
    /** The offending line as written. */
    readonly line: string | null,
    readonly reason: string,
  ) {
    super(where ? `${where}: ${reason}` : reason);
  }
}

/** Redis's message for a config that cannot be used (stderr, then exit 1). */
export function formatFatal(err: ConfigFileError, product: string): string {
  let s = `\n*** FATAL CONFIG FILE ERROR (${product}) ***\n`;
  if (err.where === 'command line') s += `Reading the command line options\n>>> '${err.line}'\n`;
  else if (err.where) s += `Reading the configuration file, at ${err.where}\n>>> '${err.line}'\n`;
  return s + err.reason + '\n';
}

/** Per-load state: which accumulating directives were seen, include depth. */
export interface LoadState {
  seen: Set<string>;
  depth: number;
}

export function newLoadState(): LoadState {
  return { seen: new Set(), depth: 0 };
}

/** Applies one directive line; the reason it was refused, or null. */
export function applyDirective(config: Config, args: string[], state: LoadState): string | null {
  const name = args[0].toLowerCase();
  const d = BY_NAME.get(name);
  if (d) {
    let values = args.slice(1);
    if (d.multiArg && values.length === 1 && values[0] !== '') values = splitArgs(values[0]) ?? values;
    const r = check(d, values, config.get(d.name));
    if ('reason' in r) return r.reason;
    let v = r.value;
    if (d.accumulate && state.seen.has(d.name) && v !== '') v = `${config.get(d.name)} ${v}`.trim();
    state.seen.add(d.name);
    config.assign([[d, v]]);
    return null;
  }
  // `user default ...`, as Redis's CONFIG REWRITE writes it (./default-user.ts).
  if (name === 'user' && args.length >= 2) return config.defaultUser.declare(args.slice(1));
  if (REDIS_DEPRECATED.has(name)) return null;
  if (REDIS_DIRECTIVES.has(name)) return `'${name}' ${NOT_SUPPORTED_HINT}`;
  return 'Bad directive or wrong number of arguments';
}

/** Applies the text of a config file; `file` names it in errors. */
export function loadConfigText(config: Config, text: string, file: string, state: LoadState = newLoadState()): void {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
    if (line === '' || line[0] === '#') continue;
    const where = `${file}:${i + 1}`;
    const args = splitArgs(line);
    if (args === null) throw new ConfigFileError(where, line, 'Unbalanced quotes in configuration line');
    if (args.length === 0) continue;
    if (args[0].toLowerCase() === 'include') {
      if (args.length !== 2) throw new ConfigFileError(where, line, 'Bad directive or wrong number of arguments');
      if (state.depth >= 16) throw new ConfigFileError(where, line, 'include nested too deeply (is a file including itself?)');
      state.depth++;
      try {
        includeFiles(config, args[1], state, where, line);
      } finally {
        state.depth--;
      }
      continue;
    }
    const reason = applyDirective(config, args, state);
    if (reason !== null) throw new ConfigFileError(where, line, reason);
  }
}

function includeFiles(config: Config, pattern: string, state: LoadState, where: string, line: string): void {
  if (!/[*?[]/.test(pattern)) {
    loadConfigFile(config, pattern, state, where, line);
    return;
  }
  // A wildcard include of a directory: every match in name order; no match is not an error.
  const dir = path.dirname(pattern);
  const base = path.basename(pattern);
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir).filter((f) => globMatch(base, f)).sort();
  } catch {
    return;
  }
  for (const f of names) loadConfigFile(config, path.join(dir, f), state, where, line);
}

/** Reads a file (as bytes: latin1) and applies it; a missing file is fatal. */
export function loadConfigFile(config: Config, file: string, state: LoadState = newLoadState(), where: string | null = null, line: string | null = null): void {
  let text: string;
  try {
    text = fs.readFileSync(file, 'latin1');
  } catch (e) {
    throw new ConfigFileError(where, line, `Fatal error, can't open config file '${file}': ${strerror(e)}`);
  }
  loadConfigText(config, text, file, state);
}

/**
 * Passwords as the bytes a client sends: Node decodes the command line (and
 * an embedding program passes) JavaScript strings, where kevy's strings are
 * bytes (latin1), as read from a config file. Paths stay JavaScript strings
 * (the file system takes them so).
 */
export function passwordBytes(name: string, value: string): string {
  return isPasswordDirective(name) ? Buffer.from(value, 'utf8').toString('latin1') : value;
}

function isPasswordDirective(name: string): boolean {
  const n = name.toLowerCase();
  return n === 'requirepass' || n === 'user';
}

/** Applies `--name value ...` options, already grouped as [name, ...values]. */
export function loadOptions(config: Config, options: string[][], state: LoadState = newLoadState()): void {
  for (const raw of options) {
    const args = raw.map((v, i) => (i === 0 ? v : passwordBytes(raw[0], v)));
    const shown = raw.map((a) => (a === '' || /\s/.test(a) ? JSON.stringify(a) : a)).join(' ');
    // Node has replaced bytes that are not UTF-8 with U+FFFD: the password is not the one given.
    if (isPasswordDirective(raw[0]) && raw.some((v, i) => i > 0 && v.includes('\ufffd'))) {
      throw new ConfigFileError('command line', shown, 'A password on the command line must be valid UTF-8 (Node cannot pass other bytes): put it in the config file');
    }
    if (args[0].toLowerCase() === 'include') {
      if (args.length !== 2) throw new ConfigFileError('command line', shown, 'Bad directive or wrong number of arguments');
      includeFiles(config, args[1], state, 'command line', shown);
      continue;
    }
    const reason = applyDirective(config, args, state);
    if (reason !== null) throw new ConfigFileError('command line', shown, reason);
  }
}

/** Checks that hold for the whole configuration once loaded (the log file must open). */
export function checkLoaded(config: Config): void {
  const logfile = config.get('logfile');
  if (logfile !== '') {
    try {
      fs.closeSync(fs.openSync(logfile, 'a'));
    } catch (e) {
      throw new ConfigFileError(null, null, `Can't open the log file: ${strerror(e)}`);
    }
  }
}

/** The C library's text for a Node error code (the part Redis prints). */
export function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const texts: Record<string, string> = {
    ENOENT: 'No such file or directory',
    EACCES: 'Permission denied',
    EISDIR: 'Is a directory',
    ENOTDIR: 'Not a directory',
    EEXIST: 'File exists',
    EROFS: 'Read-only file system',
    ENOSPC: 'No space left on device',
  };
  return (code && texts[code]) || (e as Error).message;
}
