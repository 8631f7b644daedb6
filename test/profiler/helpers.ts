// Shared helpers for the profiler tests: fixture paths, short budgets, process-table checks.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProfileFailure, ProfileResult, ProfileSuccess } from '../../src/profiler/model.js';
import { type ProfileOptions, profileFunction } from '../../src/profiler/run.js';

export const fixtures = join(__dirname, '..', 'fixtures', 'profiler');
export const fixture = (name: string): string => join(fixtures, name);

/** Short budgets keep the whole suite well under a minute. */
export const quick: Partial<ProfileOptions> = { budgetMs: 250, warmupMs: 30, timeoutMs: 15_000 };

export async function profileOk(options: ProfileOptions): Promise<ProfileSuccess> {
  const result = await profileFunction({ ...quick, ...options });
  if (!result.ok) throw new Error(`expected success, got ${result.error.kind}: ${result.error.message}`);
  return result;
}

export async function profileFail(options: ProfileOptions): Promise<ProfileFailure & { pid?: number }> {
  let pid: number | undefined;
  const result: ProfileResult = await profileFunction({
    ...quick,
    ...options,
    onProgress: (event) => {
      if (event.type === 'spawned') pid = event.pid;
    },
  });
  if (result.ok) throw new Error(`expected a failure, got ${result.classification}`);
  return { ...result, pid };
}

/** Running (a zombie waiting for a reaper counts as gone: it holds no memory and runs no code). */
export function isAlive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    if (state === 'Z') return false;
  } catch {
    // no /proc (not Linux) or already gone: fall through to kill(0)
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pids of live processes whose command line contains `marker` (Linux /proc; empty elsewhere). */
export function processesWith(marker: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.[0];
      if (cmdline.includes(marker) && state !== 'Z') found.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return found;
}
