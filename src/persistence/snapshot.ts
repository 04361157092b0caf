/**
 * Snapshots (Redis's RDB persistence): what SAVE, BGSAVE, the save points,
 * FLUSHALL, SHUTDOWN and startup do with dir/dbfilename, and the state INFO
 * persistence and LASTSAVE report.
 *
 *   setupSnapshots(server)       // once, by the Server constructor
 *   saveNow(server)              // SAVE: true when the file is durable
 *   startBgsave(server)          // BGSAVE: false when one is running
 *
 * Rules kept from Redis 7.0 (rdb.c, server.c):
 *  - save points `save <seconds> <changes> ...`: the cron starts a BGSAVE
 *    when dirty >= changes and more than `seconds` passed since the last
 *    successful save; after a failed one, not before CONFIG_BGSAVE_RETRY_DELAY
 *    (5 s) since the last try.
 *  - a failed BGSAVE with save points set and stop-writes-on-bgsave-error
 *    refuses write commands (and PING) with -MISCONF until a save succeeds.
 *  - a successful save sets dirty to the changes made since it started,
 *    LASTSAVE to now, rdb_last_bgsave_status to ok.
 *  - SHUTDOWN / SIGTERM aborts a running BGSAVE, saves synchronously when
 *    save points are set (SAVE forces it, NOSAVE skips it); if that fails
 *    the shutdown is refused unless FORCE.
 */
import type { Server } from '../server/server';
import { infoProviders, persistenceInfo } from '../server/info';
import * as E from '../errors';
import { BY_NAME } from '../config/directives';
import { BackgroundSave, SaveAborted } from './bgsave';
import { dumpPath, loadRdbAtStartup, loadRdbFile, saveRdbSync, type LoadResult } from './rdb-file';

/** Redis's CONFIG_BGSAVE_RETRY_DELAY: seconds between tries after a failed BGSAVE. */
const BGSAVE_RETRY_DELAY = 5;

export interface SnapshotState {
  bgsave: BackgroundSave | null;
  /** BGSAVE SCHEDULE (or BGSAVE inside MULTI): start one as soon as possible. */
  scheduled: boolean;
  /** Unix seconds of the last successful save (LASTSAVE). */
  lastSave: number;
  lastBgsaveOk: boolean;
  /** Unix seconds of the last BGSAVE start, successful or not. */
  lastBgsaveTry: number;
  dirtyBeforeBgsave: number;
  /** [seconds, changes] pairs of the `save` directive. */
  params: [number, number][];
  /** True while another background job (an AOF rewrite) runs: BGSAVE waits for it. */
  otherJobActive: () => boolean;
}

const KEY = 'snapshot';

export function snapshotState(server: Server): SnapshotState {
  return server.ext[KEY] as SnapshotState;
}

/** True while a BGSAVE runs (INFO rdb_bgsave_in_progress; an AOF rewrite waits for it). */
export function bgsaveInProgress(server: Server): boolean {
  return snapshotState(server)?.bgsave != null;
}

function unixNow(): number {
  return Math.floor(Date.now() / 1000);
}

/** The `save` directive's canonical value as pairs. */
export function parseSaveParams(value: string): [number, number][] {
  const w = value.split(' ').filter(Boolean).map(Number);
  const out: [number, number][] = [];
  for (let i = 0; i + 1 < w.length; i += 2) out.push([w[i], w[i + 1]]);
  return out;
}

function info(server: Server): Record<string, string | number> {
  return persistenceInfo(server).fields;
}

/** Redis's writeCommandsDeniedByDiskError for the RDB side. */
export function writesDenied(server: Server): boolean {
  const st = snapshotState(server);
  return !st.lastBgsaveOk && st.params.length > 0 && server.config.bool('stop-writes-on-bgsave-error');
}

function markSaved(server: Server, dirtyBefore: number): void {
  const st = snapshotState(server);
  // A DEBUG RELOAD during a BGSAVE already reset dirty: never below zero.
  server.dirty = Math.max(0, server.dirty - dirtyBefore);
  st.lastSave = unixNow();
  st.lastBgsaveOk = true;
  const f = info(server);
  f.rdb_last_save_time = st.lastSave;
  f.rdb_last_bgsave_status = 'ok';
}

/**
 * rdbSave: writes the dump now, blocking. True when it is durable; on
 * failure logs why and leaves the previous dump as it was. `counted`: INFO
 * rdb_saves counts it (the SAVE command does; the saves of FLUSHALL,
 * SHUTDOWN and DEBUG RELOAD do not, as in 7.0).
 */
export function saveNow(server: Server, counted = false): boolean {
  if (counted) {
    const f = info(server);
    f.rdb_saves = Number(f.rdb_saves) + 1;
  }
  const dirty = server.dirty;
  try {
    saveRdbSync(server, dumpPath(server));
  } catch (e) {
    server.log.warning(`Write error saving DB on disk: ${(e as Error).message}`);
    return false;
  }
  server.log.notice('DB saved on disk');
  markSaved(server, dirty);
  return true;
}

/** rdbSaveBackground: false when a BGSAVE already runs. */
export function startBgsave(server: Server): boolean {
  const st = snapshotState(server);
  if (st.bgsave !== null) return false;
  const f = info(server);
  f.rdb_saves = Number(f.rdb_saves) + 1;
  st.dirtyBeforeBgsave = server.dirty;
  st.lastBgsaveTry = unixNow();
  const bg = new BackgroundSave(server, dumpPath(server), (err) => bgsaveDone(server, bg, err));
  st.bgsave = bg;
  f.rdb_bgsave_in_progress = 1;
  server.log.notice(`Background saving started by pid ${process.pid}`);
  bg.start();
  return true;
}

function bgsaveDone(server: Server, bg: BackgroundSave, err: Error | null): void {
  const st = snapshotState(server);
  if (st.bgsave !== bg) return;
  st.bgsave = null;
  const f = info(server);
  f.rdb_bgsave_in_progress = 0;
  f.rdb_last_bgsave_time_sec = Math.floor((Date.now() - bg.startedAt) / 1000);
  if (err === null) {
    server.log.notice('DB saved on disk');
    server.log.notice('Background saving terminated with success');
    markSaved(server, st.dirtyBeforeBgsave);
  } else if (err instanceof SaveAborted) {
    // Redis kills its child with SIGUSR1 here, which is not counted as an error.
    server.log.warning('Background saving terminated by signal 10');
  } else {
    server.log.warning(`Write error saving DB on disk: ${err.message}`);
    server.log.warning('Background saving error');
    st.lastBgsaveOk = false;
    f.rdb_last_bgsave_status = 'err';
  }
}

/** killRDBChild: stops a running BGSAVE without counting it as failed. */
export function abortBgsave(server: Server): void {
  snapshotState(server).bgsave?.abort();
}

/** FLUSHALL: a running BGSAVE is killed; with save points the (empty) dataset is saved at once. */
export function flushAllSave(server: Server): void {
  const st = snapshotState(server);
  st.bgsave?.abort();
  if (st.params.length === 0) return;
  // Unlike rdbSave, keep dirty: FLUSHALL must still count as a change (AOF, replicas).
  const dirty = server.dirty;
  if (saveNow(server)) server.dirty = dirty;
}

/** serverCron's part: save points and a scheduled BGSAVE. */
function cron(server: Server): void {
  const st = snapshotState(server);
  if (st.bgsave !== null || st.otherJobActive()) return;
  const now = unixNow();
  const mayRetry = st.lastBgsaveOk || now - st.lastBgsaveTry > BGSAVE_RETRY_DELAY;
  if (!mayRetry) return;
  for (const [seconds, changes] of st.params) {
    if (server.dirty >= changes && now - st.lastSave > seconds) {
      server.log.notice(`${changes} changes in ${seconds} seconds. Saving...`);
      startBgsave(server);
      return;
    }
  }
  if (st.scheduled && startBgsave(server)) st.scheduled = false;
}

interface ShutdownFlags {
  save?: boolean;
  force?: boolean;
}

/**
 * The final save (finishShutdown): runs first in server.shutdown(); a throw
 * refuses the shutdown and the server goes on.
 */
function finalSave(server: Server): void {
  const st = snapshotState(server);
  const req = server.ext.shutdownRequest as ShutdownFlags | undefined;
  if (st.bgsave !== null) {
    server.log.warning('There is a child saving an .rdb. Killing it!');
    st.bgsave.abort();
  }
  const save = req?.save === true || (st.params.length > 0 && req?.save !== false);
  if (!save) return;
  server.log.notice('Saving the final RDB snapshot before exiting.');
  if (saveNow(server)) return;
  if (req?.force) {
    server.log.warning('Error trying to save the DB. Exit anyway.');
    return;
  }
  server.ext.shutdownRequest = undefined;
  server.log.warning("Error trying to save the DB, can't exit.");
  server.log.warning('Errors trying to shut down the server. Check the logs for more information.');
  throw new Error(E.SHUTDOWN_FAILED);
}

function logLoaded(server: Server, r: LoadResult): void {
  const empty = r.emptyKeys > 0 ? `, empty keys skipped: ${r.emptyKeys}` : '';
  server.log.notice(`Done loading RDB, keys loaded: ${r.keys}, keys expired: ${r.expired}${empty}.`);
  const f = info(server);
  f.rdb_last_load_keys_loaded = r.keys;
  f.rdb_last_load_keys_expired = r.expired;
}

/** loadDataFromDisk: the dump, before the server accepts connections. */
function loadAtStartup(server: Server): void {
  // With appendonly yes the AOF (which may embed an RDB base) is the source of truth.
  if (BY_NAME.has('appendonly') && server.config.bool('appendonly')) return;
  const file = dumpPath(server);
  const t0 = performance.now();
  const r = loadRdbAtStartup(server, file);
  if (r === null) return;
  logLoaded(server, r);
  server.log.notice(`DB loaded from disk: ${((performance.now() - t0) / 1000).toFixed(3)} seconds`);
}

/**
 * DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, empty, load back. The
 * error text for the client, or null when it worked.
 */
export function debugReload(server: Server, opts: { save: boolean; flush: boolean; merge: boolean }): string | null {
  if (opts.save) {
    const dirty = server.dirty;
    try {
      saveRdbSync(server, dumpPath(server));
    } catch (e) {
      server.log.warning(`Write error saving DB on disk: ${(e as Error).message}`);
      return E.SAVE_FAILED;
    }
    markSaved(server, dirty);
  }
  if (opts.flush) for (const db of server.dbs) db.flush();
  let r: LoadResult | null;
  try {
    r = loadRdbFile(server, dumpPath(server), { mode: 'reload', merge: opts.merge });
  } catch (e) {
    server.log.warning((e as Error).message);
    r = null;
  }
  if (r === null) return E.RELOAD_LOAD_FAILED;
  logLoaded(server, r);
  server.log.warning('DB reloaded by DEBUG RELOAD');
  return null;
}

/**
 * INFO fields that change while a BGSAVE runs. Registered at the first
 * setupSnapshots(), not at module load: info.ts and this module import
 * each other through server.ts.
 */
let providersSet = false;
function setInfoProviders(): void {
  if (providersSet) return;
  providersSet = true;
  infoProviders.set('rdb_current_bgsave_time_sec', (s) => {
    const bg = snapshotState(s)?.bgsave;
    return bg ? Math.floor((Date.now() - bg.startedAt) / 1000) : -1;
  });
  infoProviders.set('current_save_keys_processed', (s) => snapshotState(s)?.bgsave?.processed ?? 0);
  infoProviders.set('current_save_keys_total', (s) => snapshotState(s)?.bgsave?.total ?? 0);
  infoProviders.set('current_fork_perc', (s) => {
    const bg = snapshotState(s)?.bgsave;
    return bg && bg.total > 0 ? ((bg.processed / bg.total) * 100).toFixed(2) : '0.00';
  });
}

/** Wires snapshots into a server: state, startup load, cron, MISCONF, final save. */
export function setupSnapshots(server: Server): void {
  setInfoProviders();
  const st: SnapshotState = {
    bgsave: null,
    scheduled: false,
    lastSave: Math.floor(server.startTime / 1000),
    lastBgsaveOk: true,
    lastBgsaveTry: 0,
    dirtyBeforeBgsave: 0,
    params: parseSaveParams(server.config.get('save')),
    otherJobActive: () => false,
  };
  server.ext[KEY] = st;
  server.config.onChange((name, value) => {
    if (name === 'save') st.params = parseSaveParams(value);
  });
  server.onStartup.push(() => loadAtStartup(server));
  server.onCron.push(() => cron(server));
  server.beforeShutdown.push(() => finalSave(server));
  const prev = server.hooks.beforeCommand;
  server.hooks.beforeCommand = (c, cmd, argv) => {
    // processCommand's disk-error check comes before MULTI queueing and the pub/sub context check.
    if (!st.lastBgsaveOk && writesDenied(server)) {
      const write =
        cmd.flags.has('write') ||
        cmd.name === 'ping' ||
        (cmd.name === 'exec' && c.multi !== null && c.multi.queue.some((q) => q.cmd.flags.has('write')));
      if (write) return E.MISCONF_RDB;
    }
    return prev(c, cmd, argv);
  };
}
