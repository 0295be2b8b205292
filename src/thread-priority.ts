import { readlinkSync } from 'node:fs';
import os from 'node:os';

/**
 * The priority of the threads that must not take the CPU from the one serving requests: the
 * worker thread (worker-thread.ts) and V8's helper threads (runtime-flags.ts). Nice 19 is the
 * lowest: such a thread runs in the time the request thread leaves.
 */
export const LOWEST_NICE = 19;

/** Lowers one thread to LOWEST_NICE (Linux: a thread id is a pid for setpriority); throws where it cannot. */
export function lowerThreadPriority(threadId: number): void {
  os.setPriority(threadId, LOWEST_NICE);
}

/** The calling thread's id (Linux); throws elsewhere. */
export function currentThreadId(): number {
  return Number(readlinkSync('/proc/thread-self').split('/').pop());
}
