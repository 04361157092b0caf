/**
 * CONFIG GET / SET / RESETSTAT / REWRITE / HELP (Redis 7.0's config.c).
 *
 * GET takes several names or glob patterns; an exact name is echoed as
 * given, a pattern match by its table name; aliases (hash-max-ziplist-*)
 * answer like their directive. Redis replies in hash order; kevy in table
 * order. SET is all or nothing: every name is looked up first (unknown,
 * immutable, protected, duplicate), then every value checked, then all are
 * applied at once.
 */
import type { Handler } from './table';
import type { Client } from '../server/client';
import * as E from '../errors';
import { BY_NAME, type Directive } from '../config/directives';
import { REDIS_DIRECTIVES } from '../config/redis-directives';
import { check } from '../config/config';
import { rewriteConfigFile } from '../config/rewrite';
import { strerror } from '../config/load';
import { globMatch } from '../util/glob';
import fs from 'node:fs';

/** A name as Redis's %s prints it: C strings end at the first NUL. */
function cstr(s: string): string {
  const i = s.indexOf('\0');
  return i < 0 ? s : s.slice(0, i);
}

function configGet(c: Client, argv: string[]): void {
  const keys: string[] = [];
  const names: string[] = [];
  const seen = new Set<string>();
  for (let i = 2; i < argv.length; i++) {
    const p = argv[i];
    if (!/[[*?]/.test(p)) {
      const lk = p.toLowerCase();
      const d = BY_NAME.get(lk);
      if (d && !seen.has(lk)) {
        seen.add(lk);
        keys.push(p);
        names.push(d.name);
      }
      continue;
    }
    for (const [name, d] of BY_NAME) {
      if (!seen.has(name) && globMatch(p, name, true)) {
        seen.add(name);
        keys.push(name);
        names.push(d.name);
      }
    }
  }
  const config = c.server.config;
  c.mapLen(keys.length);
  for (let i = 0; i < keys.length; i++) {
    c.bulk(keys[i]);
    c.bulk(config.get(names[i]));
  }
}

/** allowProtectedAction: `yes`, or `local` for a loopback client. */
function protectedAllowed(c: Client): boolean {
  const mode = c.server.config.get('enable-protected-configs');
  if (mode === 'yes') return true;
  return mode === 'local' && (c.addr === '' || c.addr.startsWith('127.') || c.addr.startsWith('[::1]'));
}

/** A check only a running server makes (CONFIG SET dir must name a directory). */
function runtimeCheck(d: Directive, value: string): string | null {
  if (d.name !== 'dir') return null;
  try {
    if (!fs.statSync(value).isDirectory()) return 'Not a directory';
  } catch (e) {
    return strerror(e);
  }
  return null;
}

function configSet(c: Client, argv: string[]): void {
  if (argv.length % 2 !== 0) {
    c.error(E.SYNTAX);
    return;
  }
  const config = c.server.config;
  let unknown: string | null = null;
  let errName = '';
  let errReason = '';
  const picked: [Directive, string, string][] = []; // directive, name as looked up, raw value
  for (let i = 2; i < argv.length; i += 2) {
    const name = argv[i];
    const lk = name.toLowerCase();
    const d = BY_NAME.get(lk);
    const failed = unknown !== null || errReason !== '';
    if (!d) {
      if (failed) continue;
      if (REDIS_DIRECTIVES.has(lk)) {
        errName = name;
        errReason = E.CONFIG_NOT_SUPPORTED;
      } else {
        unknown = name;
      }
      continue;
    }
    if (failed) continue;
    if (!d.mutable || (d.protected && !protectedAllowed(c))) {
      errName = name;
      errReason = d.mutable ? E.CONFIG_PROTECTED : E.CONFIG_IMMUTABLE;
      continue;
    }
    // An alias and its directive are distinct configs to Redis 7.0: only the same name is a duplicate.
    if (picked.some((p) => p[1] === lk)) {
      errName = name;
      errReason = E.CONFIG_DUPLICATE;
      continue;
    }
    picked.push([d, lk, argv[i + 1]]);
  }
  if (unknown !== null) {
    c.error(E.configUnknownOption(cstr(unknown)));
    return;
  }
  if (errReason !== '') {
    c.error(E.configSetFailed(cstr(errName), errReason));
    return;
  }
  const changes: [Directive, string][] = [];
  for (const [d, lk, raw] of picked) {
    const r = check(d, d.type === 'list' ? raw.split(' ') : [raw], config.get(d.name));
    let reason = 'reason' in r ? r.reason : null;
    if (reason === null && 'value' in r) {
      if (d.restartOnly && r.value !== config.get(d.name)) reason = E.CONFIG_RESTART_ONLY;
      else reason = runtimeCheck(d, r.value);
      changes.push([d, r.value]);
    }
    if (reason !== null) {
      c.error(E.configSetFailed(cstr(lk), reason));
      return;
    }
  }
  config.assign(changes);
  c.ok();
}

function configResetstat(c: Client): void {
  const server = c.server;
  server.stats.reset();
  for (const cmd of server.table.commands.values()) {
    const all = cmd.subcommands ? [cmd, ...cmd.subcommands.values()] : [cmd];
    for (const x of all) {
      x.stats.calls = 0;
      x.stats.usec = 0;
      x.stats.rejectedCalls = 0;
      x.stats.failedCalls = 0;
    }
  }
  c.ok();
}

function configRewrite(c: Client): void {
  const server = c.server;
  const file = server.config.file;
  if (file === null) {
    c.error(E.NO_CONFIG_FILE);
    return;
  }
  try {
    rewriteConfigFile(server.config, file);
  } catch (e) {
    const reason = strerror(e);
    server.log.warning(`CONFIG REWRITE failed: ${reason}`);
    c.error(E.configRewriteFailed(reason));
    return;
  }
  server.log.notice('CONFIG REWRITE executed with success.');
  c.ok();
}

const HELP = [
  'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
  'HELP',
  '    Prints this help.',
];

function configHelp(c: Client): void {
  c.arrayLen(HELP.length);
  for (const line of HELP) c.simple(line);
}

export const commands: Record<string, Handler> = {
  'config|get': configGet,
  'config|set': configSet,
  'config|resetstat': configResetstat,
  'config|rewrite': configRewrite,
  'config|help': configHelp,
};
