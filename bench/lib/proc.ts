import { readFileSync, readdirSync, writeFileSync } from 'node:fs';

/**
 * CPU time and memory of processes read from /proc, so the cost per operation can be
 * reported independently of how the 2 cores happened to be shared during a run.
 */

const TICK_MS = 10; // CLK_TCK is 100 on Linux x86_64

interface Stat {
  ppid: number;
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
}

function stat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces or parentheses: fields start after the last ')'.
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), utime: Number(f[11]), stime: Number(f[12]), cutime: Number(f[13]), cstime: Number(f[14]) };
  } catch {
    return undefined;
  }
}

/** utime+stime of one process (all its threads), in ms. */
export function cpuMs(pid: number): number {
  const s = stat(pid);
  return s ? (s.utime + s.stime) * TICK_MS : 0;
}

/**
 * CPU of a PostgreSQL server: the postmaster, its live children (backends, walwriter, ...),
 * and the children it has already reaped (counted in its cutime/cstime), so backends that
 * come and go during a run are not lost.
 */
export function treeCpuMs(rootPid: number): number {
  const root = stat(rootPid);
  if (!root) return 0;
  let ticks = root.utime + root.stime + root.cutime + root.cstime;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = stat(Number(entry));
    if (s && s.ppid === rootPid) ticks += s.utime + s.stime;
  }
  return ticks * TICK_MS;
}

function statusKb(pid: number, field: string): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Current resident set size, in MB. */
export function rssMb(pid: number): number | undefined {
  const kb = statusKb(pid, 'VmRSS');
  return kb === undefined ? undefined : kb / 1024;
}

/** Peak resident set size since start or since the last resetPeakRss, in MB. */
export function peakRssMb(pid: number): number | undefined {
  const kb = statusKb(pid, 'VmHWM');
  return kb === undefined ? undefined : kb / 1024;
}

/** Writing 5 to clear_refs resets VmHWM to the current RSS, so each scenario gets its own peak. */
export function resetPeakRss(pid: number): void {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // not permitted here: the peak then covers the process's whole life
  }
}

/** Cumulative time of each CPU (`/proc/stat`), in ticks. */
export type CpuTimes = Map<string, { busy: number; steal: number; idle: number }>;

/**
 * busy = user + nice + system + irq + softirq (guest time is already inside user); idle =
 * idle + iowait; steal = time the hypervisor gave this virtual CPU to someone else, which
 * no process here can see in its own CPU time but every latency here feels.
 */
export function cpuTimes(): CpuTimes {
  const out: CpuTimes = new Map();
  try {
    for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
      const match = /^(cpu\d+) (.*)$/.exec(line);
      if (!match) continue;
      const [user, nice, system, idle, iowait, irq, softirq, steal] = match[2].split(' ').map(Number);
      out.set(match[1], { busy: user + nice + system + irq + softirq, steal: steal || 0, idle: idle + iowait });
    }
  } catch {
    // no /proc/stat (not Linux): the run reports no core use
  }
  return out;
}

/** How each CPU spent the time between two readings, in percent of that time. */
export interface CoreUse {
  cpu: string;
  busyPct: number;
  stealPct: number;
}

export function coreUse(before: CpuTimes, after: CpuTimes): CoreUse[] {
  const out: CoreUse[] = [];
  for (const [cpu, b] of before) {
    const a = after.get(cpu);
    if (!a) continue;
    const total = a.busy - b.busy + (a.steal - b.steal) + (a.idle - b.idle);
    if (total <= 0) continue;
    const pct = (ticks: number) => Math.round((ticks / total) * 1000) / 10;
    out.push({ cpu, busyPct: pct(a.busy - b.busy), stealPct: pct(a.steal - b.steal) });
  }
  return out;
}

/** The pids of a process's direct children (e.g. a postmaster's backends). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    if (stat(Number(entry))?.ppid === pid) out.push(Number(entry));
  }
  return out;
}
