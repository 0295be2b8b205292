import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/ of this build: bench scripts live in dist/bench, Keel in dist/src. */
export const distRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The repository root (dist/..). */
export const repoRoot = path.resolve(distRoot, '..');

const TASKSET = '/usr/bin/taskset';
export const canPin = existsSync(TASKSET);

/** The CPU the server under test gets (Postgres and the load generator share both). */
export const SERVER_CPU = '1';

export interface ServerProcess {
  name: string;
  pid: number;
  port: number;
  url: string;
  child: ChildProcess;
  logPath: string;
  /** SIGTERM, then SIGKILL if it does not exit in time. Resolves with the exit code. */
  stop(): Promise<number | null>;
}

export interface StartOptions {
  name: string;
  /** The executable; defaults to this Node. */
  command?: string;
  args: string[];
  env: Record<string, string | undefined>;
  logDir: string;
  /** Pin to this CPU list (taskset -c). Undefined: unpinned. */
  cpu?: string;
  /** Captures the port from the log (default: `{"listening":1234}`), or polls a health URL on a port chosen beforehand. */
  ready?: RegExp | { port: number; healthPath: string };
  ipc?: boolean;
  timeoutMs?: number;
}

/**
 * Starts a server as a separate process, pinned with taskset (which execs the program, so
 * the pid is the server's own and /proc readings are about it), its output going to a log
 * file rather than through this process, which is busy generating load.
 */
export async function startServer(options: StartOptions): Promise<ServerProcess> {
  const logPath = path.join(options.logDir, `${options.name}-${Date.now()}.log`);
  const fd = openSync(logPath, 'a');
  const command = options.command ?? process.execPath;
  const pinned = options.cpu !== undefined && canPin;
  const child = spawn(pinned ? TASKSET : command, pinned ? ['-c', options.cpu!, command, ...options.args] : options.args, {
    env: { ...process.env, ...options.env } as NodeJS.ProcessEnv,
    stdio: options.ipc ? ['ignore', fd, fd, 'ipc'] : ['ignore', fd, fd],
  });
  closeSync(fd);
  const ready = options.ready ?? /\{"listening":(\d+)\}/;
  const probe = async (): Promise<number | undefined> => {
    if (ready instanceof RegExp) {
      const match = ready.exec(readFileSync(logPath, 'utf8'));
      return match ? Number(match[1]) : undefined;
    }
    try {
      const res = await fetch(`http://127.0.0.1:${ready.port}${ready.healthPath}`);
      await res.arrayBuffer();
      return res.status === 200 ? ready.port : undefined;
    } catch {
      return undefined;
    }
  };
  const port = await new Promise<number>((resolve, reject) => {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    const onExit = (code: number | null) => {
      clearInterval(timer);
      reject(new Error(`${options.name} exited with ${code} before it was ready:\n${tail(logPath)}`));
    };
    child.once('exit', onExit);
    let checking = false;
    const timer = setInterval(() => {
      if (checking) return;
      checking = true;
      void probe().then((found) => {
        checking = false;
        if (found !== undefined) {
          clearInterval(timer);
          child.off('exit', onExit);
          resolve(found);
        } else if (Date.now() > deadline) {
          clearInterval(timer);
          child.off('exit', onExit);
          child.kill('SIGKILL');
          reject(new Error(`${options.name} was not ready within ${options.timeoutMs ?? 60_000} ms:\n${tail(logPath)}`));
        }
      });
    }, 50);
  });
  let stopping: Promise<number | null> | undefined;
  return {
    name: options.name,
    pid: child.pid!,
    port,
    url: `http://127.0.0.1:${port}`,
    child,
    logPath,
    stop: () =>
      (stopping ??= new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
        child.once('exit', (code) => {
          clearTimeout(kill);
          resolve(code);
        });
        child.kill('SIGTERM');
      })),
  };
}

/** A port free right now on 127.0.0.1, for a server whose readiness is polled rather than read from its log. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Moves a running process (all its threads) to other CPUs, e.g. instance A off the server CPU. */
export function repin(pid: number, cpu: string): void {
  if (canPin) execFileSync(TASKSET, ['-acp', cpu, String(pid)], { stdio: 'ignore' });
}

export function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** Sends a message to an IPC child and waits for its reply. */
export function ask<T>(child: ChildProcess, message: unknown, timeoutMs = 600_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('IPC reply timed out')), timeoutMs);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`child exited with ${code}`));
    };
    child.once('exit', onExit);
    child.once('message', (reply: T) => {
      clearTimeout(timer);
      child.off('exit', onExit);
      resolve(reply);
    });
    child.send(message as object);
  });
}
