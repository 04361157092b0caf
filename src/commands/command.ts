/**
 * COMMAND and its subcommands: what the server knows about its commands,
 * answered from the Redis 7.0 metadata in ./meta.json (see ./table.ts).
 * Only the commands kevy implements are listed, and a container lists only
 * its implemented subcommands.
 *
 * The metadata keeps RESP3 types ({s} status, {set}, {map}, arrays, bulk
 * strings, integers); emitMeta() writes such a tree in the client's protocol
 * (RESP2 flattens maps and sets into arrays, as Redis does).
 *
 * Key extraction (COMMAND GETKEYS, also usable by other layers) follows
 * Redis's getKeysFromCommandWithSpecs: the key specs first, and the
 * commands whose specs cannot say it (SET ... GET, BITFIELD, SORT) by their
 * own rules.
 */
import * as E from '../errors';
import type { Client } from '../server/client';
import { globMatch } from '../util/glob';
import { parseInt64 } from '../util/numbers';
import type { Command, Handler, Meta } from './table';

type MetaMap = { map: Meta[] };

/** Writes a metadata tree in the client's protocol. */
export function emitMeta(c: Client, node: Meta): void {
  if (typeof node === 'string') c.bulk(node);
  else if (typeof node === 'number') c.integer(node);
  else if (Array.isArray(node)) {
    c.arrayLen(node.length);
    for (const n of node) emitMeta(c, n);
  } else {
    const o = node as { s?: string; set?: Meta[]; map?: Meta[] };
    if (o.s !== undefined) c.simple(o.s);
    else if (o.set !== undefined) {
      c.setLen(o.set.length);
      for (const n of o.set) emitMeta(c, n);
    } else if (o.map !== undefined) {
      c.mapLen(o.map.length / 2);
      for (const n of o.map) emitMeta(c, n);
    }
  }
}

/** One COMMAND INFO entry: Redis's 10 fields, subcommands limited to the implemented ones. */
function emitInfo(c: Client, cmd: Command): void {
  c.arrayLen(10);
  for (let i = 0; i < 9; i++) emitMeta(c, cmd.info[i]);
  if (cmd.subcommands === null) emitMeta(c, cmd.info[9]);
  else {
    c.arrayLen(cmd.subcommands.size);
    for (const sc of cmd.subcommands.values()) emitInfo(c, sc);
  }
}

/** One COMMAND DOCS entry; its `subcommands` map lists the implemented ones. */
function emitDocs(c: Client, cmd: Command): void {
  const m = cmd.docs === undefined ? [] : (cmd.docs as MetaMap).map;
  c.mapLen(m.length / 2);
  for (let i = 0; i < m.length; i += 2) {
    c.bulk(m[i] as string);
    if (m[i] === 'subcommands' && cmd.subcommands !== null) {
      c.mapLen(cmd.subcommands.size);
      for (const sc of cmd.subcommands.values()) {
        c.bulk(sc.name);
        emitDocs(c, sc);
      }
    } else {
      emitMeta(c, m[i + 1]);
    }
  }
}

/** Finds a command by name, `container|sub` for a subcommand (Redis's lookupCommandBySds). */
function lookupByName(c: Client, name: string): Command | undefined {
  const parts = name.toLowerCase().split('|');
  if (parts.length > 2) return undefined;
  const base = c.server.table.commands.get(parts[0]);
  if (base === undefined || parts.length === 1) return base;
  return base.subcommands?.get(parts[1]);
}

function commandCommand(c: Client): void {
  const cmds = c.server.table.commands;
  c.arrayLen(cmds.size);
  for (const cmd of cmds.values()) emitInfo(c, cmd);
}

function commandCountCommand(c: Client): void {
  c.integer(c.server.table.commands.size);
}

function commandInfoCommand(c: Client, argv: string[]): void {
  if (argv.length === 2) {
    commandCommand(c);
    return;
  }
  c.arrayLen(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const cmd = lookupByName(c, argv[i]);
    if (cmd === undefined) c.nullBulk();
    else emitInfo(c, cmd);
  }
}

function commandDocsCommand(c: Client, argv: string[]): void {
  const found: Command[] = [];
  if (argv.length === 2) found.push(...c.server.table.commands.values());
  for (let i = 2; i < argv.length; i++) {
    const cmd = lookupByName(c, argv[i]);
    if (cmd !== undefined) found.push(cmd);
  }
  c.mapLen(found.length);
  for (const cmd of found) {
    c.bulk(cmd.name);
    emitDocs(c, cmd);
  }
}

function aclCategories(cmd: Command): string[] {
  return (cmd.info[6] as { set: { s: string }[] }).set.map((x) => x.s);
}

function commandListCommand(c: Client, argv: string[]): void {
  let filter: ((cmd: Command) => boolean) | null = null;
  for (let i = 2; i < argv.length; i++) {
    if (argv[i].toLowerCase() === 'filterby' && argv.length - 1 - i === 2) {
      const type = argv[i + 1].toLowerCase();
      const arg = argv[i + 2];
      if (type === 'module') filter = () => false; // kevy loads no modules
      else if (type === 'aclcat') filter = (cmd) => aclCategories(cmd).includes('@' + arg.toLowerCase());
      else if (type === 'pattern') filter = (cmd) => globMatch(arg, cmd.name, true);
      else {
        c.error(E.SYNTAX);
        return;
      }
      i += 2;
    } else {
      c.error(E.SYNTAX);
      return;
    }
  }
  const names: string[] = [];
  for (const cmd of c.server.table.all()) if (filter === null || filter(cmd)) names.push(cmd.name);
  c.bulkArray(names);
}

// ---- key extraction ---------------------------------------------------

/** A key found in a command line: its index and its key-spec flags (RW, access, ...). */
export interface KeyRef {
  pos: number;
  flags: readonly string[];
}

interface KeySpec {
  flags: string[];
  bsType: string;
  index: number;
  keyword: string;
  startfrom: number;
  fkType: string;
  lastkey: number;
  keystep: number;
  limit: number;
  keynumidx: number;
  firstkey: number;
}

const specCache = new WeakMap<Command, KeySpec[]>();

function mapOf(node: Meta): Record<string, Meta> {
  const m = (node as MetaMap).map;
  const o: Record<string, Meta> = {};
  for (let i = 0; i < m.length; i += 2) o[m[i] as string] = m[i + 1];
  return o;
}

function keySpecs(cmd: Command): KeySpec[] {
  let specs = specCache.get(cmd);
  if (specs !== undefined) return specs;
  const raw = cmd.info[8] as { set: Meta[] } | Meta[];
  const list = Array.isArray(raw) ? raw : raw.set;
  specs = list.map((node) => {
    const s = mapOf(node);
    const bs = mapOf(s.begin_search);
    const fk = mapOf(s.find_keys);
    const bspec = bs.spec !== undefined ? mapOf(bs.spec) : {};
    const fspec = fk.spec !== undefined ? mapOf(fk.spec) : {};
    return {
      flags: (s.flags as { set: { s: string }[] }).set.map((x) => x.s),
      bsType: bs.type as string,
      index: (bspec.index as number) ?? 0,
      keyword: (bspec.keyword as string) ?? '',
      startfrom: (bspec.startfrom as number) ?? 0,
      fkType: fk.type as string,
      lastkey: (fspec.lastkey as number) ?? 0,
      keystep: (fspec.keystep as number) ?? 1,
      limit: (fspec.limit as number) ?? 0,
      keynumidx: (fspec.keynumidx as number) ?? 0,
      firstkey: (fspec.firstkey as number) ?? 0,
    };
  });
  specCache.set(cmd, specs);
  return specs;
}

/** Keys by the key specs (getKeysUsingKeySpecs); null when a spec cannot be applied. */
function keysFromSpecs(cmd: Command, argv: string[]): KeyRef[] | null {
  const argc = argv.length;
  const out: KeyRef[] = [];
  for (const spec of keySpecs(cmd)) {
    if (spec.flags.includes('not_key')) continue;
    let first = 0;
    if (spec.bsType === 'index') first = spec.index;
    else if (spec.bsType === 'keyword') {
      const start = spec.startfrom > 0 ? spec.startfrom : argc + spec.startfrom;
      const end = spec.startfrom > 0 ? argc - 1 : 0;
      const kw = spec.keyword.toLowerCase();
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (argv[i].toLowerCase() === kw) {
          first = i + 1;
          break;
        }
      }
      if (first === 0) continue; // keyword not found
    } else return null;
    let last: number;
    let step: number;
    if (spec.fkType === 'range') {
      step = spec.keystep;
      if (spec.lastkey >= 0) last = first + spec.lastkey;
      else if (spec.limit === 0) last = argc + spec.lastkey;
      else last = first + (Math.trunc((argc - first) / spec.limit) + spec.lastkey);
    } else if (spec.fkType === 'keynum') {
      step = spec.keystep;
      if (first + spec.keynumidx >= argc) return null;
      const numkeys = parseInt64(argv[first + spec.keynumidx]);
      if (numkeys === null || numkeys < 0) return null;
      first += spec.firstkey;
      last = first + numkeys - 1;
    } else return null;
    if (last >= argc || last < first || first >= argc) return null;
    for (let i = first; i <= last; i += step) out.push({ pos: i, flags: spec.flags });
    if (spec.flags.includes('incomplete')) return null;
  }
  return out;
}

const RW_ACCESS_UPDATE = ['RW', 'access', 'update'];
const RO_ACCESS = ['RO', 'access'];
const OW_UPDATE = ['OW', 'update'];

/** The native getkeys procs of the commands whose specs are not enough. */
function keysByProc(cmd: Command, argv: string[]): KeyRef[] {
  switch (cmd.name) {
    case 'set': {
      for (let i = 3; i < argv.length; i++) {
        if (argv[i].toLowerCase() === 'get') return [{ pos: 1, flags: RW_ACCESS_UPDATE }];
      }
      return [{ pos: 1, flags: OW_UPDATE }];
    }
    case 'bitfield': {
      let readonly = true;
      for (let i = 2; i < argv.length; i++) {
        const rem = argv.length - i - 1;
        const a = argv[i].toLowerCase();
        if (a === 'get' && rem >= 2) i += 2;
        else if (a === 'overflow' && rem >= 1) i += 1;
        else {
          readonly = false; // SET/INCRBY, or a syntax error: assume a write
          break;
        }
      }
      return [{ pos: 1, flags: readonly ? RO_ACCESS : RW_ACCESS_UPDATE }];
    }
    case 'sort_ro':
      return [{ pos: 1, flags: RO_ACCESS }];
    case 'sort': {
      const keys: KeyRef[] = [{ pos: 1, flags: RO_ACCESS }];
      let store: KeyRef | null = null;
      for (let i = 2; i < argv.length; i++) {
        const a = argv[i].toLowerCase();
        if (a === 'limit') i += 2;
        else if (a === 'get' || a === 'by') i += 1;
        else if (a === 'store' && i + 1 < argv.length) store = { pos: i + 1, flags: OW_UPDATE };
      }
      if (store !== null) keys.push(store);
      return keys;
    }
    default:
      return [];
  }
}

/** Key positions of a command line, as COMMAND GETKEYS reports them (argv[0] is the command). */
export function getKeys(cmd: Command, argv: string[]): KeyRef[] {
  const specs = keySpecs(cmd);
  const varFlags = specs.some((s) => s.flags.includes('variable_flags'));
  if (!varFlags && specs.some((s) => !s.flags.includes('not_key'))) {
    const keys = keysFromSpecs(cmd, argv);
    if (keys !== null) return keys;
  }
  return keysByProc(cmd, argv);
}

function getKeysCommand(c: Client, argv: string[], withFlags: boolean): void {
  const sub = argv.slice(2);
  const cmd = c.server.table.lookup(sub);
  if (cmd === undefined) {
    c.error('ERR Invalid command specified');
    return;
  }
  if (!keySpecs(cmd).some((s) => !s.flags.includes('not_key'))) {
    c.error('ERR The command has no key arguments');
    return;
  }
  if ((cmd.arity > 0 && cmd.arity !== sub.length) || sub.length < -cmd.arity) {
    c.error('ERR Invalid number of arguments specified for command');
    return;
  }
  const keys = getKeys(cmd, sub);
  if (keys.length === 0) {
    if (cmd.flags.has('no_mandatory_keys')) c.arrayLen(0);
    else c.error('ERR Invalid arguments specified for command');
    return;
  }
  c.arrayLen(keys.length);
  for (const k of keys) {
    if (!withFlags) {
      c.bulk(sub[k.pos]);
      continue;
    }
    c.arrayLen(2);
    c.bulk(sub[k.pos]);
    c.setLen(k.flags.length);
    for (const f of k.flags) c.simple(f);
  }
}

const COMMAND_HELP = [
  'COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  '(no subcommand)',
  '    Return details about all Redis commands.',
  'COUNT',
  '    Return the total number of commands in this Redis server.',
  'LIST',
  '    Return a list of all commands in this Redis server.',
  'INFO [<command-name> ...]',
  '    Return details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'DOCS [<command-name> ...]',
  '    Return documentation details about multiple Redis commands.',
  '    If no command names are given, documentation details for all',
  '    commands are returned.',
  'GETKEYS <full-command>',
  '    Return the keys from a full Redis command.',
  'GETKEYSANDFLAGS <full-command>',
  '    Return the keys and the access flags from a full Redis command.',
  'HELP',
  '    Prints this help.',
];

/** Redis's addReplyHelp: an array of status lines. */
export function replyHelp(c: Client, lines: readonly string[]): void {
  c.arrayLen(lines.length);
  for (const l of lines) c.simple(l);
}

export const commands: Record<string, Handler> = {
  command: commandCommand,
  'command|count': commandCountCommand,
  'command|info': commandInfoCommand,
  'command|docs': commandDocsCommand,
  'command|list': commandListCommand,
  'command|getkeys': (c, argv) => getKeysCommand(c, argv, false),
  'command|getkeysandflags': (c, argv) => getKeysCommand(c, argv, true),
  'command|help': (c) => replyHelp(c, COMMAND_HELP),
};
