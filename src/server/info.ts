/**
 * INFO (server.c genRedisInfoString): the sections, their field names and
 * order as Redis 7.0 prints them, `# Section` headers, CRLF line endings and
 * an empty line between sections.
 *
 *   INFO                     the default sections
 *   INFO all                 every section (with commandstats, latencystats)
 *   INFO everything          all + module sections (kevy has no modules)
 *   INFO server keyspace     the named sections, each once, in Redis's order
 *
 * A field belonging to a subsystem kevy lacks (cluster, modules, forks,
 * replicas, io threads, defrag) shows what a Redis without it shows. Fields
 * another layer knows better are read through `infoProviders` (field name ->
 * getter) and the persistence state object (see persistenceInfo()), so the
 * persistence, pub/sub or tracking layers fill them without touching this file:
 *
 *   infoProviders.set('tracking_clients', (s) => countTracking(s));
 *   persistenceInfo(server).rdb_saves++;
 *
 * The per-section field builders live in ./info-sections.ts.
 */
import crypto from 'node:crypto';
import type { Command } from '../commands/table';
import { LatencyHistogram } from './histogram';
import {
  clientFields,
  commandStats,
  cpuFields,
  errorStats,
  keyspace,
  latencyStats,
  memoryFields,
  replicationFields,
  serverFields,
  statsFields,
  usedMemory,
  type Fields,
} from './info-sections';
import type { Server } from './server';

export { bytesToHuman } from './info-sections';

export type InfoValue = string | number;

/** Overrides for single fields, for values other layers own. */
export const infoProviders = new Map<string, (s: Server) => InfoValue>();

/**
 * The persistence fields, keys are INFO field names in Redis's order. The
 * defaults are those of a server that has never saved. The persistence
 * layer mutates this object; `aofExtra` (shown when aof_enabled is 1) and
 * `loadingExtra` (shown while loading is 1) hold the conditional lines.
 */
export interface PersistenceInfo {
  fields: Record<string, InfoValue>;
  aofExtra: [string, InfoValue][];
  loadingExtra: [string, InfoValue][];
}

/** State INFO keeps per server: ids, memory peak, persistence fields (the latency histograms are on each command's stats). */
export interface InfoState {
  runId: string;
  replId: string;
  startupMemory: number;
  peakMemory: number;
  /** latency-tracking (a boolean here: read after every command). */
  latencyTracking: boolean;
  persistence: PersistenceInfo;
}

function randomHex40(): string {
  return crypto.randomBytes(20).toString('hex');
}

/**
 * Sets up INFO's state and chains the latency recording onto
 * hooks.afterCommand (called once, by the Server constructor).
 */
export function setupInfo(server: Server): void {
  const started = Math.floor(server.startTime / 1000);
  const st: InfoState = {
    runId: randomHex40(),
    replId: randomHex40(),
    startupMemory: usedMemory(),
    peakMemory: 0,
    latencyTracking: server.config.bool('latency-tracking'),
    persistence: {
      fields: {
        loading: 0, async_loading: 0, current_cow_peak: 0, current_cow_size: 0, current_cow_size_age: 0,
        current_fork_perc: '0.00', current_save_keys_processed: 0, current_save_keys_total: 0,
        rdb_changes_since_last_save: 0, rdb_bgsave_in_progress: 0, rdb_last_save_time: started,
        rdb_last_bgsave_status: 'ok', rdb_last_bgsave_time_sec: -1, rdb_current_bgsave_time_sec: -1,
        rdb_saves: 0, rdb_last_cow_size: 0, rdb_last_load_keys_expired: 0, rdb_last_load_keys_loaded: 0,
        aof_enabled: 0, aof_rewrite_in_progress: 0, aof_rewrite_scheduled: 0, aof_last_rewrite_time_sec: -1,
        aof_current_rewrite_time_sec: -1, aof_last_bgrewrite_status: 'ok', aof_rewrites: 0,
        aof_rewrites_consecutive_failures: 0, aof_last_write_status: 'ok', aof_last_cow_size: 0,
        module_fork_in_progress: 0, module_fork_last_cow_size: 0,
      },
      aofExtra: [],
      loadingExtra: [],
    },
  };
  server.ext.info = st;
  server.config.onChange((name) => {
    if (name === 'latency-tracking') st.latencyTracking = server.config.bool('latency-tracking');
  });
  server.stats.onReset.push(() => resetInfoStats(server));
  server.onCron.push(() => {
    const used = usedMemory();
    if (used > st.peakMemory) st.peakMemory = used;
  });
  const prev = server.hooks.afterCommand;
  server.hooks.afterCommand = (c, cmd, argv, usec) => {
    prev(c, cmd, argv, usec);
    // A command that blocked counts when it is served or unblocked (./slowlog.ts).
    if (!c.blocked) recordLatency(server, cmd, usec);
  };
}

/** Adds a run of cmd that took usec to its INFO latencystats histogram (unless latency-tracking is no). */
export function recordLatency(server: Server, cmd: Command, usec: number): void {
  if (!state(server).latencyTracking) return;
  const h = cmd.stats.latency ?? (cmd.stats.latency = new LatencyHistogram());
  h.record(usec * 1000);
}

function state(server: Server): InfoState {
  return server.ext.info as InfoState;
}

/** The persistence fields of INFO (and LASTSAVE's rdb_last_save_time). */
export function persistenceInfo(server: Server): PersistenceInfo {
  return state(server).persistence;
}

/** The latency histogram of a command, if it ran (LATENCY HISTOGRAM may share it). */
export function commandHistogram(server: Server, cmd: Command): LatencyHistogram | undefined {
  return cmd.stats.latency ?? undefined;
}

/** CONFIG RESETSTAT: forgets the latency histograms and the memory peak, as Redis does. */
export function resetInfoStats(server: Server): void {
  const st = state(server);
  for (const cmd of server.table.all()) cmd.stats.latency = null;
  st.peakMemory = usedMemory();
}

/** The 40-hex run id of this server instance. */
export function runId(server: Server): string {
  return state(server).runId;
}

const DEFAULT_SECTIONS = [
  'server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'module_list', 'errorstats',
  'cluster', 'keyspace',
];

/** genInfoSectionDict: the requested sections, plus whether `all`/`everything` was asked. */
export function parseSections(args: string[]): { names: Set<string>; all: boolean } {
  const names = new Set<string>();
  let all = false;
  if (args.length === 0) {
    for (const s of DEFAULT_SECTIONS) names.add(s);
    return { names, all };
  }
  for (const a of args) {
    const s = a.toLowerCase();
    if (s === 'default') for (const d of DEFAULT_SECTIONS) names.add(d);
    else if (s === 'all' || s === 'everything') all = true;
    else names.add(s);
  }
  return { names, all };
}

/** Builds the INFO text for the given sections. */
export function genInfo(server: Server, names: Set<string>, all: boolean): string {
  const out: string[] = [];
  const want = (...n: string[]) => all || n.some((x) => names.has(x));
  const section = (title: string, fields: Fields | string) => {
    let s = `# ${title}\r\n`;
    if (typeof fields === 'string') s += fields;
    else for (const [k, v] of fields) s += `${k}:${infoProviders.get(k)?.(server) ?? v}\r\n`;
    out.push(s);
  };
  if (want('server')) section('Server', serverFields(server));
  if (want('clients')) section('Clients', clientFields(server));
  if (want('memory')) section('Memory', memoryFields(server));
  if (want('persistence')) section('Persistence', persistenceFields(server));
  if (want('stats')) section('Stats', statsFields(server));
  if (want('replication')) section('Replication', replicationFields(server));
  if (want('cpu')) section('CPU', cpuFields());
  if (want('module_list', 'modules')) section('Modules', []);
  if (want('commandstats')) section('Commandstats', commandStats(server));
  if (want('errorstats')) section('Errorstats', errorStats(server));
  if (want('latencystats')) section('Latencystats', latencyStats(server));
  if (want('cluster')) section('Cluster', [['cluster_enabled', 0]]);
  if (want('keyspace')) section('Keyspace', keyspace(server));
  return out.join('\r\n');
}

/** The Persistence section: the persistence layer's fields plus its conditional lines. */
function persistenceFields(server: Server): Fields {
  const p = persistenceInfo(server);
  p.fields.rdb_changes_since_last_save = server.dirty;
  const out: Fields = Object.entries(p.fields);
  if (Number(infoProviders.get('aof_enabled')?.(server) ?? p.fields.aof_enabled) === 1) out.push(...p.aofExtra);
  if (Number(infoProviders.get('loading')?.(server) ?? p.fields.loading) === 1) out.push(...p.loadingExtra);
  return out;
}
