/**
 * Wires the AOF into the server (called once by the Server constructor):
 * the propagate listener, the reply holding of appendfsync always, the
 * MISCONF refusal, startup loading, BGREWRITEAOF and the automatic rewrite,
 * CONFIG SET appendonly / appendfsync, shutdown, and INFO's aof_* fields.
 *
 *   const aof = aofOf(server);      // the AofWriter, or undefined
 *   bgrewriteaof(server);           // 'started' | 'scheduled' | 'in-progress'
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Server } from '../server/server';
import { infoProviders, persistenceInfo } from '../server/info';
import { loadRdbAtStartup } from './rdb-file';
import { AofWriter, type FsyncPolicy } from './aof';
// From its module, not through aof.ts: a re-export compiles to a getter, called on every command.
import { deniedByAofError } from './aof-errors';
import { AOF_OPEN_FLAGS } from './aof-pad';
import { loadFiles, readManifest } from './aof-load';
import { baseName, emptyManifest, formatManifest, incrName, manifestName, writeFileAtomic } from './aof-manifest';
import { AofRewrite, writeBaseSync } from './aof-rewrite';

interface AofService {
  aof: AofWriter;
  rewrite: AofRewrite | null;
  scheduled: boolean;
  lastRewriteSec: number;
  lastRewriteOk: boolean;
  rewrites: number;
  consecutiveFailures: number;
  lastLoadStatus: string;
  lastLoadTruncatedBytes: number;
}

function service(server: Server): AofService | undefined {
  return server.ext.aof as AofService | undefined;
}

export function aofOf(server: Server): AofWriter | undefined {
  return service(server)?.aof;
}

export function setupAof(server: Server): void {
  const cfg = server.config;
  const aof = new AofWriter(server);
  const svc: AofService = {
    aof,
    rewrite: null,
    scheduled: false,
    lastRewriteSec: -1,
    lastRewriteOk: true,
    rewrites: 0,
    consecutiveFailures: 0,
    lastLoadStatus: 'ok',
    lastLoadTruncatedBytes: 0,
  };
  server.ext.aof = svc;
  aof.setPolicy(cfg.get('appendfsync') as FsyncPolicy);
  aof.timestamps = cfg.bool('aof-timestamp-enabled');

  server.onPropagate.push((db, cmds) => aof.append(db, cmds));
  server.beforeReplies = () => {
    if (aof.written !== aof.appended) aof.writeBeforeReplies();
  };

  const before = server.hooks.beforeCommand;
  server.hooks.beforeCommand = (c, cmd, argv) => deniedByAofError(aof, c, cmd) ?? before(c, cmd, argv);
  const after = server.hooks.afterCommand;
  server.hooks.afterCommand = (c, cmd, argv, usec) => {
    after(c, cmd, argv, usec);
    if (aof.appended !== aof.synced) aof.holdIfUnsynced(c);
  };
  // Replies pushed outside a command (served blocked clients, pub/sub) are held too.
  const scheduleFlush = server.scheduleFlush.bind(server);
  server.scheduleFlush = (c) => {
    if (aof.appended !== aof.synced) aof.holdIfUnsynced(c);
    scheduleFlush(c);
  };
  server.onClientClose.push((c) => aof.forget(c));

  server.onStartup.push(() => {
    // BGSAVE waits while a rewrite runs (the snapshot layer asks through this).
    const snap = server.ext.snapshot as { otherJobActive?: () => boolean } | undefined;
    if (snap !== undefined) snap.otherJobActive = () => svc.rewrite !== null;
    if (cfg.bool('appendonly')) startupLoad(server, svc);
  });
  server.onShutdown.push(async () => {
    svc.rewrite?.abort();
    svc.rewrite = null;
    if (aof.on) {
      await aof.drain();
      aof.closeFile();
    }
    aof.stopTimers();
  });
  server.onCron.push(() => cron(server, svc));
  cfg.onChange((name, value) => {
    if (name === 'appendfsync') aof.setPolicy(value as FsyncPolicy);
    else if (name === 'aof-timestamp-enabled') aof.timestamps = value === 'yes';
    else if (name === 'appendonly') {
      if (value === 'yes' && !aof.on && svc.rewrite === null) startRewrite(server, svc, true, true);
      else if (value === 'no' && (aof.on || svc.rewrite !== null)) void stopAof(server, svc);
    }
  });
  setupInfoFields(server);
}

function aofDir(server: Server): string {
  return path.resolve(server.config.get('dir'), server.config.get('appenddirname'));
}

/** Startup with appendonly yes: load the AOF (or create it), then open the last incr file. */
function startupLoad(server: Server, svc: AofService): void {
  const cfg = server.config;
  const aof = svc.aof;
  const fname = cfg.get('appendfilename');
  aof.dirPath = aofDir(server);
  const mfile = path.join(aof.dirPath, manifestName(fname));
  const rdb = cfg.bool('aof-use-rdb-preamble');
  if (fs.existsSync(mfile)) {
    aof.manifest = readManifest(server, mfile);
    const t0 = Date.now();
    aof.loading = true;
    try {
      const st = loadFiles(server, aof.dirPath, aof.manifest, {
        loadTruncated: cfg.bool('aof-load-truncated'),
        corruptTailMax: Number(cfg.get('aof-load-corrupt-tail-max-size')),
        manifestFile: mfile,
      });
      svc.lastLoadStatus = st.status;
      svc.lastLoadTruncatedBytes = st.truncatedBytes;
    } finally {
      aof.loading = false;
    }
    server.log.notice(`DB loaded from append only file: ${((Date.now() - t0) / 1000).toFixed(3)} seconds`);
  } else {
    // No AOF yet: a dump.rdb there is the data to start from (Redis 7.0 would start empty).
    const dump = path.resolve(cfg.get('dir'), 'dump.rdb');
    if (loadRdbAtStartup(server, dump) !== null) {
      server.log.notice(`No AOF yet: loaded ${dump}, it becomes the first AOF base`);
    }
    fs.mkdirSync(aof.dirPath, { recursive: true });
    const m = emptyManifest();
    const bname = baseName(fname, 1, rdb);
    writeBaseSync(server, aof.dirPath, bname, rdb);
    server.log.notice(`Creating AOF base file ${bname} on server start`);
    m.base = { name: bname, seq: 1, type: 'b' };
    m.baseSeq = 1;
    aof.manifest = m;
  }
  const m = aof.manifest;
  if (m.incr.length === 0) {
    const seq = m.incrSeq + 1;
    const name = incrName(fname, seq);
    fs.closeSync(fs.openSync(path.join(aof.dirPath, name), 'w', 0o644));
    m.incr.push({ name, seq, type: 'i' });
    m.incrSeq = seq;
    writeFileAtomic(aof.dirPath, manifestName(fname), formatManifest(m));
    server.log.notice(`Creating AOF incr file ${name} on server start`);
  }
  const last = m.incr[m.incr.length - 1];
  const file = path.join(aof.dirPath, last.name);
  const fd = fs.openSync(file, AOF_OPEN_FLAGS, 0o644);
  aof.attach(fd, last.name, fs.fstatSync(fd).size);
  aof.on = true;
  aof.currentSize = (m.base ? aof.fileSizeOf(m.base.name) : 0) + m.incr.reduce((n, f) => n + aof.fileSizeOf(f.name), 0);
  aof.baseSize = aof.currentSize;
  // Loading replayed commands: they are already saved.
  server.dirty = 0;
}

/** BGREWRITEAOF: 'started', 'scheduled' (a BGSAVE runs), 'in-progress' or 'failed'. */
export function bgrewriteaof(server: Server): 'started' | 'scheduled' | 'in-progress' | 'failed' {
  const svc = service(server)!;
  if (svc.rewrite !== null) return 'in-progress';
  if (bgsaveRunning(server)) {
    scheduleRewrite(server);
    return 'scheduled';
  }
  return startRewrite(server, svc, false, false) ? 'started' : 'failed';
}

/** The rewrite starts from the cron, once no BGSAVE runs (BGREWRITEAOF inside EXEC too). */
export function scheduleRewrite(server: Server): void {
  const svc = service(server)!;
  svc.scheduled = true;
  svc.consecutiveFailures = 0;
}

function bgsaveRunning(server: Server): boolean {
  return Number(persistenceInfo(server).fields.rdb_bgsave_in_progress) === 1;
}

export function rewriteInProgress(server: Server): boolean {
  return service(server)?.rewrite != null;
}

/**
 * Starts a rewrite: the new incr file and the view are taken in one
 * synchronous step, after every effect so far was appended, so the base
 * and the incr files never overlap. `deferred`: at the end of this turn
 * (CONFIG SET appendonly yes may run inside EXEC, whose effects are
 * appended only at its end). False when it could not start.
 */
function startRewrite(server: Server, svc: AofService, enabling: boolean, deferred: boolean): boolean {
  const cfg = server.config;
  const aof = svc.aof;
  svc.scheduled = false;
  if (aof.dirPath === '') aof.dirPath = aofDir(server);
  const rw = new AofRewrite(server, aof, { appendfilename: cfg.get('appendfilename'), rdb: cfg.bool('aof-use-rdb-preamble') }, enabling);
  svc.rewrite = rw;
  const begin = (): boolean => {
    if (svc.rewrite !== rw) return false;
    try {
      if ((enabling || !aof.on) && aof.manifest.base === null && aof.manifest.incr.length === 0) {
        const mfile = path.join(aof.dirPath, manifestName(cfg.get('appendfilename')));
        if (fs.existsSync(mfile)) aof.manifest = readManifest(server, mfile);
      }
      rw.start();
    } catch (e) {
      server.log.warning(`Can't start the AOF rewrite: ${(e as Error).message}`);
      rewriteDone(server, svc, rw, false);
      return false;
    }
    server.log.notice('Background append only file rewriting started');
    aof.noFsync = cfg.bool('no-appendfsync-on-rewrite');
    void rw.run().then((ok) => rewriteDone(server, svc, rw, ok));
    return true;
  };
  if (!deferred) return begin();
  process.nextTick(begin);
  return true;
}

function rewriteDone(server: Server, svc: AofService, rw: AofRewrite, ok: boolean): void {
  if (svc.rewrite !== rw) return;
  svc.rewrite = null;
  svc.aof.noFsync = false;
  svc.lastRewriteSec = Math.round((Date.now() - rw.startedAt) / 1000);
  svc.lastRewriteOk = ok;
  if (ok) {
    svc.rewrites++;
    svc.consecutiveFailures = 0;
    server.log.notice('Background AOF rewrite finished successfully');
  } else {
    svc.consecutiveFailures++;
  }
}

/** appendonly no: stop the rewrite, write and fsync what is pending, close the file. */
async function stopAof(server: Server, svc: AofService): Promise<void> {
  const aof = svc.aof;
  if (svc.rewrite !== null) {
    svc.rewrite.abort();
    svc.rewrite = null;
  }
  // Nothing more is appended from here; what was is written and fsynced.
  aof.on = false;
  if (aof.fd >= 0) {
    await aof.drain();
    aof.closeFile();
  }
  if (aof.unlistedIncr !== null) {
    fs.rm(path.join(aof.dirPath, aof.unlistedIncr.name), { force: true }, () => {});
    aof.unlistedIncr = null;
  }
  server.log.notice('Background append only file rewriting stopped; append only file closed');
}

function cron(server: Server, svc: AofService): void {
  const aof = svc.aof;
  if (svc.rewrite !== null || bgsaveRunning(server)) return;
  if (svc.scheduled) {
    startRewrite(server, svc, !aof.on && server.config.bool('appendonly'), false);
    return;
  }
  if (!aof.on) return;
  // A failed rewrite while turning the AOF on is retried (Redis's AOF_WAIT_REWRITE).
  if (aof.unlistedIncr !== null) {
    if (!svc.lastRewriteOk) startRewrite(server, svc, true, false);
    return;
  }
  const perc = server.config.int('auto-aof-rewrite-percentage');
  const min = Number(server.config.get('auto-aof-rewrite-min-size'));
  if (perc > 0 && aof.currentSize > min) {
    const base = aof.baseSize > 0 ? aof.baseSize : 1;
    const growth = (aof.currentSize * 100) / base - 100;
    if (growth >= perc) {
      server.log.notice(`Starting automatic rewriting of AOF on ${Math.floor(growth)}% growth`);
      startRewrite(server, svc, false, false);
    }
  }
}

function setupInfoFields(server: Server): void {
  const p = persistenceInfo(server);
  const on = (s: Server) => service(s)!;
  infoProviders.set('aof_enabled', (s) => (on(s).aof.on && on(s).aof.unlistedIncr === null ? 1 : 0));
  infoProviders.set('aof_rewrite_in_progress', (s) => (on(s).rewrite !== null ? 1 : 0));
  infoProviders.set('aof_rewrite_scheduled', (s) => (on(s).scheduled ? 1 : 0));
  infoProviders.set('aof_last_rewrite_time_sec', (s) => on(s).lastRewriteSec);
  infoProviders.set('aof_current_rewrite_time_sec', (s) => {
    const rw = on(s).rewrite;
    return rw === null ? -1 : Math.round((Date.now() - rw.startedAt) / 1000);
  });
  infoProviders.set('aof_last_bgrewrite_status', (s) => (on(s).lastRewriteOk ? 'ok' : 'err'));
  infoProviders.set('aof_rewrites', (s) => on(s).rewrites);
  infoProviders.set('aof_rewrites_consecutive_failures', (s) => on(s).consecutiveFailures);
  infoProviders.set('aof_last_write_status', (s) => (on(s).aof.writeError === null ? 'ok' : 'err'));
  infoProviders.set('aof_last_load_status', (s) => on(s).lastLoadStatus);
  infoProviders.set('aof_last_load_truncated_bytes', (s) => on(s).lastLoadTruncatedBytes);
  infoProviders.set('aof_current_size', (s) => on(s).aof.currentSize);
  infoProviders.set('aof_base_size', (s) => on(s).aof.baseSize);
  infoProviders.set('aof_pending_rewrite', (s) => (on(s).scheduled ? 1 : 0));
  infoProviders.set('aof_buffer_length', (s) => on(s).aof.bufferLength);
  infoProviders.set('aof_fsyncs', (s) => on(s).aof.fsyncs);
  infoProviders.set('aof_writes_per_fsync', (s) => {
    const a = on(s).aof;
    return a.fsyncs === 0 ? '0.00' : (a.writesPerFsyncTotal / a.fsyncs).toFixed(2);
  });
  // Kevy's own fields (after Redis's), then the lines Redis shows when the AOF is on.
  p.fields.aof_last_load_status = 'ok';
  p.fields.aof_last_load_truncated_bytes = 0;
  p.aofExtra.push(
    ['aof_current_size', 0],
    ['aof_base_size', 0],
    ['aof_pending_rewrite', 0],
    ['aof_buffer_length', 0],
    ['aof_pending_bio_fsync', 0],
    ['aof_delayed_fsync', 0],
    ['aof_fsyncs', 0],
    ['aof_writes_per_fsync', 0],
  );
}

