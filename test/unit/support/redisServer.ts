// A real redis-server for the team tests: a random loopback port, its own temporary folder, the
// append-only file synced on every write (so a kill -9 loses nothing acknowledged), stopped after.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface RedisServer {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** SIGKILL: no shutdown, no final save; only what the append-only file holds survives. */
  kill9(): Promise<void>;
  /** Starts it again on the same port and folder (after `kill9` or `stop`). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const INSTALL_HINT = 'The team tests run against a real Redis and are not skipped without one. Install Debian\'s package '
  + '(`sudo apt-get install redis-server`; `.ci/run` does this), or set REDIS_SERVER to a redis-server binary (Redis 6.2 or later).';

/** The redis-server binary: REDIS_SERVER, then PATH, then Debian's place. Throws how to get one. */
export function redisServerBinary(): string {
  const candidates = [
    ...(process.env.REDIS_SERVER ? [process.env.REDIS_SERVER] : []),
    ...(process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, 'redis-server')),
    '/usr/bin/redis-server', '/usr/sbin/redis-server', '/usr/local/bin/redis-server',
  ];
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // next
    }
  }
  throw new Error(`redis-server was not found (looked in ${process.env.REDIS_SERVER ? 'REDIS_SERVER, ' : ''}PATH and /usr/bin). ${INSTALL_HINT}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function launch(binary: string, port: number, dir: string, appendfsync: RedisOptions['appendfsync']): Promise<ChildProcess> {
  const child = spawn(binary, [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no',
    '--appendonly', 'yes', '--appendfsync', appendfsync ?? 'always', '--save', '', '--protected-mode', 'yes', '--loglevel', 'notice',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`redis-server on port ${port} did not start within 10 s: ${output.trim()}`));
    }, 10_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/Ready to accept connections/.test(output)) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        child.stderr!.resume();
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (c: Buffer) => { output += c.toString(); });
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`redis-server could not be started (${e.message}). ${INSTALL_HINT}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with code ${code} before it was ready: ${output.trim()}`));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export interface RedisOptions {
  /**
   * `always` (the default: every write on disk before the reply, so a kill -9 loses nothing) or
   * `everysec` (what most deployments run: at most a second of writes at risk).
   */
  readonly appendfsync?: 'always' | 'everysec';
}

/** Starts a fresh redis-server, ready when it prints so (at log level notice). */
export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  const binary = redisServerBinary();
  const dir = await mkdtemp(join(tmpdir(), 'cg-redis-'));
  let port = 0;
  let child: ChildProcess | undefined;
  for (let tries = 0; !child; tries++) {
    port = await freePort();
    try {
      child = await launch(binary, port, dir, options.appendfsync);
    } catch (e) {
      // Another process took the port between the probe and the bind: try another.
      if (tries >= 4 || !/Address already in use|bind/i.test(String(e))) throw e;
    }
  }
  const server: RedisServer = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    kill9: async () => {
      child!.kill('SIGKILL');
      await exited(child!);
    },
    restart: async () => {
      child = await launch(binary, port, dir, options.appendfsync);
    },
    stop: async () => {
      child!.kill('SIGTERM');
      await exited(child!);
    },
  };
  return server;
}
