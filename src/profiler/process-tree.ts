// Ending every process of a profiled run. A function may spawn children, put them in a new session
// (`detached: true`, setsid) or let them outlive their parent (reparented to init): a kill of the
// process group alone misses those. So every process of a run carries the run's marker in its
// environment (inherited through fork and exec), and on Linux the kill walks /proc for the root's
// process group, its descendants by parent pid and every process with the marker.
//
// `killRunProcesses` is self-contained (no imports, `require` inside) because the harness's
// watchdog thread runs its source text (`Function.prototype.toString`): the thread must be able to
// clean up while the main thread is stuck in the user's synchronous loop.

/** Environment variable that names the run; its value is the run's id. */
export const RUN_MARKER_ENV = 'CONCURRENCY_LENS_RUN';

/**
 * Kills the run rooted at `rootPid`: its process group, its descendants and every process whose
 * environment holds `CONCURRENCY_LENS_RUN=<runId>`, except `exceptPid` (the caller, when the
 * root kills its own run). Each round stops the processes first (SIGSTOP), so none can fork
 * while its siblings die, then kills them; rounds repeat until none is found. Returns how many
 * processes were killed (Linux); elsewhere kills the group (POSIX) or the tree (Windows).
 */
export function killRunProcesses(rootPid: number, runId: string, exceptPid = -1): number {
  const fs: typeof import('node:fs') = require('node:fs');
  const killGroup = () => {
    if (rootPid === exceptPid) return;
    try {
      process.kill(-rootPid, 'SIGKILL');
    } catch {
      // no such group (already gone, or not a group leader)
    }
  };
  if (process.platform === 'win32') {
    const { spawn } = require('node:child_process') as typeof import('node:child_process');
    spawn('taskkill', ['/pid', String(rootPid), '/T', '/F'], { windowsHide: true, stdio: 'ignore' }).on(
      'error',
      () => {},
    );
    return 0;
  }
  if (process.platform !== 'linux') {
    killGroup();
    return 0;
  }
  const marker = Buffer.from(`CONCURRENCY_LENS_RUN=${runId}\0`);
  const find = (): number[] => {
    const parentOf = new Map<number, number>();
    const found = new Set<number>();
    let entries: string[] = [];
    try {
      entries = fs.readdirSync('/proc');
    } catch {
      return [];
    }
    for (const entry of entries) {
      if (!/^\d+$/.test(entry)) continue;
      const pid = Number(entry);
      if (pid === exceptPid || pid === process.pid) continue;
      let stat: string;
      try {
        stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue; // exited while we looked
      }
      // fields after the command name (which may hold spaces and parentheses): state ppid pgrp …
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z') continue; // a zombie runs nothing; its parent's death reaps it
      const ppid = Number(fields[1]);
      parentOf.set(pid, ppid);
      if (pid === rootPid || Number(fields[2]) === rootPid) {
        found.add(pid);
        continue;
      }
      try {
        const environ = fs.readFileSync(`/proc/${pid}/environ`);
        if (environ.includes(marker)) found.add(pid);
      } catch {
        // another user's process, or gone
      }
    }
    // descendants by parent pid (a child that cleared its environment is still found this way)
    let grew = true;
    while (grew) {
      grew = false;
      for (const [pid, ppid] of parentOf) {
        if (!found.has(pid) && (found.has(ppid) || ppid === rootPid)) {
          found.add(pid);
          grew = true;
        }
      }
    }
    return [...found];
  };
  let killed = 0;
  for (let round = 0; round < 20; round++) {
    const pids = find();
    if (pids.length === 0) break;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGSTOP');
      } catch {
        // gone
      }
    }
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
        killed++;
      } catch {
        // gone
      }
    }
    killGroup();
  }
  killGroup();
  return killed;
}
