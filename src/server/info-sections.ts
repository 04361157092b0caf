/**
 * The field builders of INFO's sections (server.c genRedisInfoString), one
 * function per section, each returning [name, value] pairs in Redis 7.0's
 * order (or the finished text for the per-command and per-db sections).
 * ./info.ts owns the state they read (server.ext.info), the field providers
 * other layers register, and the assembly of the reply.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { BY_NAME } from '../config/directives';
import type { InfoState, InfoValue } from './info';
import { KEVY_VERSION, REDIS_VERSION, type Server } from './server';

export type Fields = [string, InfoValue][];

function state(server: Server): InfoState {
  return server.ext.info as InfoState;
}

/** used_memory: the V8 heap in use plus memory held outside it (Buffers). */
export function usedMemory(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/** Redis's bytesToHuman. */
export function bytesToHuman(n: number): string {
  const units = ['K', 'M', 'G', 'T', 'P'];
  if (n < 1024) return `${n}B`;
  let d = n / 1024;
  for (const u of units) {
    if (d < 1024 || u === 'P') return `${d.toFixed(2)}${u}`;
    d /= 1024;
  }
  return `${n}B`;
}

/** A directive's value, or Redis's default when kevy does not implement the directive. */
function cfg(server: Server, name: string, dflt: string): string {
  return BY_NAME.has(name) ? server.config.get(name) : dflt;
}

function multiplexingApi(): string {
  if (process.platform === 'linux') return 'epoll';
  if (process.platform === 'win32') return 'iocp';
  return process.platform === 'sunos' ? 'evport' : 'kqueue';
}

export function serverFields(server: Server): Fields {
  const now = performance.timeOrigin + performance.now();
  const uptime = Math.floor((Date.now() - server.startTime) / 1000);
  const buildId = crypto.createHash('sha1').update(`kevy ${KEVY_VERSION} node ${process.version}`).digest('hex');
  const hz = server.config.int('hz');
  return [
    ['redis_version', REDIS_VERSION],
    ['kevy_version', KEVY_VERSION],
    ['redis_git_sha1', '00000000'],
    ['redis_git_dirty', 0],
    ['redis_build_id', buildId.slice(0, 16)],
    ['redis_mode', 'standalone'],
    ['os', `${os.type()} ${os.release()} ${os.machine()}`],
    ['arch_bits', process.arch.endsWith('64') ? 64 : 32],
    ['monotonic_clock', 'POSIX clock_gettime'],
    ['multiplexing_api', multiplexingApi()],
    ['atomicvar_api', 'c11-builtin'],
    ['gcc_version', '0.0.0'],
    ['process_id', process.pid],
    ['process_supervised', 'no'],
    ['run_id', state(server).runId],
    ['tcp_port', server.boundPort],
    ['server_time_usec', Math.floor(now * 1000)],
    ['uptime_in_seconds', uptime],
    ['uptime_in_days', Math.floor(uptime / 86400)],
    ['hz', hz],
    ['configured_hz', hz],
    ['lru_clock', Math.floor(Date.now() / 1000) & 0xffffff],
    ['executable', path.resolve(process.argv[1] ?? process.execPath)],
    ['config_file', typeof server.ext.configFile === 'string' ? server.ext.configFile : ''],
    ['io_threads_active', 0],
  ];
}

export function clientFields(server: Server): Fields {
  let maxIn = 0;
  let maxOut = 0;
  let blocked = 0;
  let tracking = 0;
  for (const c of server.clients.values()) {
    if (c.queryBuffered > maxIn) maxIn = c.queryBuffered;
    if (c.out.length > maxOut) maxOut = c.out.length;
    // One whose pause ended is no longer blocked for Redis (unblockClient), though its command waits.
    if (c.blocked && !c.unblocked) blocked++;
    if (c.state.tracking) tracking++;
  }
  return [
    ['connected_clients', server.clients.size],
    ['cluster_connections', 0],
    ['maxclients', server.config.int('maxclients')],
    ['client_recent_max_input_buffer', maxIn],
    ['client_recent_max_output_buffer', maxOut],
    ['blocked_clients', blocked],
    ['tracking_clients', tracking],
    ['clients_in_timeout_table', 0],
  ];
}

function ratio(a: number, b: number): string {
  return (b > 0 ? a / b : 0).toFixed(2);
}

export function memoryFields(server: Server): Fields {
  const st = state(server);
  const m = process.memoryUsage();
  const used = m.heapUsed + m.external;
  if (used > st.peakMemory) st.peakMemory = used;
  let clientMem = 0;
  for (const c of server.clients.values()) clientMem += c.out.length + c.queryBuffered;
  const overhead = Math.min(used, st.startupMemory + clientMem);
  const dataset = used - overhead;
  const netUsed = used - st.startupMemory;
  const maxmemory = Number(cfg(server, 'maxmemory', '0'));
  // The V8 heap plays jemalloc's part: allocated = used, active = heap total, resident = rss.
  const active = m.heapTotal + m.external;
  const total = os.totalmem();
  return [
    ['used_memory', used],
    ['used_memory_human', bytesToHuman(used)],
    ['used_memory_rss', m.rss],
    ['used_memory_rss_human', bytesToHuman(m.rss)],
    ['used_memory_peak', st.peakMemory],
    ['used_memory_peak_human', bytesToHuman(st.peakMemory)],
    ['used_memory_peak_perc', `${((used * 100) / st.peakMemory).toFixed(2)}%`],
    ['used_memory_overhead', overhead],
    ['used_memory_startup', st.startupMemory],
    ['used_memory_dataset', dataset],
    ['used_memory_dataset_perc', `${(netUsed > 0 ? (dataset * 100) / netUsed : 0).toFixed(2)}%`],
    ['allocator_allocated', used],
    ['allocator_active', active],
    ['allocator_resident', m.rss],
    ['total_system_memory', total],
    ['total_system_memory_human', bytesToHuman(total)],
    // No Lua VM and no functions engine: every scripting figure is zero.
    ['used_memory_lua', 0],
    ['used_memory_vm_eval', 0],
    ['used_memory_lua_human', '0B'],
    ['used_memory_scripts_eval', 0],
    ['number_of_cached_scripts', 0],
    ['number_of_functions', 0],
    ['number_of_libraries', 0],
    ['used_memory_vm_functions', 0],
    ['used_memory_vm_total', 0],
    ['used_memory_vm_total_human', '0B'],
    ['used_memory_functions', 0],
    ['used_memory_scripts', 0],
    ['used_memory_scripts_human', '0B'],
    ['maxmemory', maxmemory],
    ['maxmemory_human', bytesToHuman(maxmemory)],
    ['maxmemory_policy', cfg(server, 'maxmemory-policy', 'noeviction')],
    ['allocator_frag_ratio', ratio(active, used)],
    ['allocator_frag_bytes', active - used],
    ['allocator_rss_ratio', ratio(m.rss, active)],
    ['allocator_rss_bytes', m.rss - active],
    ['rss_overhead_ratio', '1.00'],
    ['rss_overhead_bytes', 0],
    ['mem_fragmentation_ratio', ratio(m.rss, used)],
    ['mem_fragmentation_bytes', m.rss - used],
    ['mem_not_counted_for_evict', 0],
    ['mem_replication_backlog', 0],
    ['mem_total_replication_buffers', 0],
    ['mem_clients_slaves', 0],
    ['mem_clients_normal', clientMem],
    ['mem_cluster_links', 0],
    ['mem_aof_buffer', 0],
    ['mem_allocator', `v8-${process.versions.v8}`],
    ['active_defrag_running', 0],
    ['lazyfree_pending_objects', 0],
    ['lazyfreed_objects', 0],
  ];
}

function kbps(bytesPerSec: number): string {
  return (bytesPerSec / 1024).toFixed(2);
}

export function statsFields(server: Server): Fields {
  const s = server.stats;
  const ps = server.pubsub;
  return [
    ['total_connections_received', s.totalConnections],
    ['total_commands_processed', s.totalCommands],
    ['instantaneous_ops_per_sec', Math.floor(s.instantaneous('cmds'))],
    ['total_net_input_bytes', s.netInputBytes],
    ['total_net_output_bytes', s.netOutputBytes],
    ['total_net_repl_input_bytes', 0],
    ['total_net_repl_output_bytes', 0],
    ['instantaneous_input_kbps', kbps(s.instantaneous('inp'))],
    ['instantaneous_output_kbps', kbps(s.instantaneous('out'))],
    ['instantaneous_input_repl_kbps', '0.00'],
    ['instantaneous_output_repl_kbps', '0.00'],
    ['rejected_connections', s.rejectedConnections],
    ['sync_full', 0],
    ['sync_partial_ok', 0],
    ['sync_partial_err', 0],
    ['expired_keys', s.expiredKeys],
    ['expired_stale_perc', s.expiredStalePerc.toFixed(2)],
    ['expired_time_cap_reached_count', s.expiredTimeCapReached],
    ['expire_cycle_cpu_milliseconds', Math.floor(s.expireCycleMs)],
    ['evicted_keys', s.evictedKeys],
    ['evicted_clients', 0],
    ['total_eviction_exceeded_time', 0],
    ['current_eviction_exceeded_time', 0],
    ['keyspace_hits', s.keyspaceHits],
    ['keyspace_misses', s.keyspaceMisses],
    ['pubsub_channels', ps.channels.size],
    ['pubsub_patterns', ps.patterns.size],
    ['pubsubshard_channels', ps.shards.size],
    ['latest_fork_usec', 0],
    ['total_forks', 0],
    ['migrate_cached_sockets', 0],
    ['slave_expires_tracked_keys', 0],
    ['active_defrag_hits', 0],
    ['active_defrag_misses', 0],
    ['active_defrag_key_hits', 0],
    ['active_defrag_key_misses', 0],
    ['total_active_defrag_time', 0],
    ['current_active_defrag_time', 0],
    ['tracking_total_keys', 0],
    ['tracking_total_items', 0],
    ['tracking_total_prefixes', 0],
    ['unexpected_error_replies', 0],
    ['total_error_replies', s.totalErrorReplies],
    ['dump_payload_sanitizations', 0],
    ['total_reads_processed', s.readsProcessed],
    ['total_writes_processed', s.writesProcessed],
    ['io_threaded_reads_processed', 0],
    ['io_threaded_writes_processed', 0],
    ['reply_buffer_shrinks', 0],
    ['reply_buffer_expands', 0],
  ];
}

export function replicationFields(server: Server): Fields {
  return [
    ['role', 'master'],
    ['connected_slaves', 0],
    ['master_failover_state', 'no-failover'],
    ['master_replid', state(server).replId],
    ['master_replid2', '0'.repeat(40)],
    ['master_repl_offset', 0],
    ['second_repl_offset', -1],
    ['repl_backlog_active', 0],
    ['repl_backlog_size', Number(cfg(server, 'repl-backlog-size', '1048576'))],
    ['repl_backlog_first_byte_offset', 0],
    ['repl_backlog_histlen', 0],
  ];
}

export function cpuFields(): Fields {
  const u = process.cpuUsage();
  const sec = (us: number) => `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}`;
  // One process, no forked children; the main thread is where commands run.
  return [
    ['used_cpu_sys', sec(u.system)],
    ['used_cpu_user', sec(u.user)],
    ['used_cpu_sys_children', '0.000000'],
    ['used_cpu_user_children', '0.000000'],
    ['used_cpu_sys_main_thread', sec(u.system)],
    ['used_cpu_user_main_thread', sec(u.user)],
  ];
}

export function commandStats(server: Server): string {
  let s = '';
  for (const cmd of server.table.all()) {
    const st = cmd.stats;
    if (st.calls === 0 && st.failedCalls === 0 && st.rejectedCalls === 0) continue;
    const perCall = st.calls > 0 ? st.usec / st.calls : 0;
    s +=
      `cmdstat_${cmd.name}:calls=${st.calls},usec=${st.usec},usec_per_call=${perCall.toFixed(2)},` +
      `rejected_calls=${st.rejectedCalls},failed_calls=${st.failedCalls}\r\n`;
  }
  return s;
}

export function errorStats(server: Server): string {
  let s = '';
  const codes = [...server.stats.errors.keys()].sort();
  for (const code of codes) s += `errorstat_${code}:count=${server.stats.errors.get(code)}\r\n`;
  return s;
}

/** Percentiles as latency-tracking-info-percentiles lists them (default 50 99 99.9). */
function percentiles(server: Server): number[] {
  return cfg(server, 'latency-tracking-info-percentiles', '50 99 99.9')
    .split(' ')
    .filter(Boolean)
    .map(Number);
}

export function latencyStats(server: Server): string {
  if (cfg(server, 'latency-tracking', 'yes') !== 'yes') return '';
  const ps = percentiles(server);
  let s = '';
  for (const cmd of server.table.all()) {
    const h = cmd.stats.latency;
    if (h === null) continue;
    // %f then trailing zeros trimmed: 50 -> "50", 99.9 -> "99.9".
    const parts = ps.map((p) => `p${String(Number(p.toFixed(6)))}=${(h.valueAtPercentile(p) / 1000).toFixed(3)}`);
    s += `latency_percentiles_usec_${cmd.name}:${parts.join(',')}\r\n`;
  }
  return s;
}

export function keyspace(server: Server): string {
  let s = '';
  for (const db of server.dbs) {
    if (db.size === 0) continue;
    s += `db${db.id}:keys=${db.size},expires=${db.expires.size},avg_ttl=${Math.floor(db.avgTtl)}\r\n`;
  }
  return s;
}
