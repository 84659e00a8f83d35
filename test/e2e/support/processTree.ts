// Kills a process, its process group and every descendant, even those that left the group
// (a debuggee started with setsid, for example), so a failed test leaves nothing running.
import * as fs from 'node:fs';

/** Pids of all live descendants of `rootPid` (Linux /proc walk; empty elsewhere). */
export function descendantsOf(rootPid: number): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc');
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // Format: pid (comm) state ppid ...; comm may contain spaces and parentheses.
    const afterComm = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(afterComm[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(name));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift()!;
    for (const child of children.get(pid) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Synchronous SIGKILL of the group led by `pid` and all descendants; safe in an exit handler. */
export function killTreeNow(pid: number): void {
  const descendants = descendantsOf(pid);
  signal(-pid, 'SIGKILL');
  signal(pid, 'SIGKILL');
  for (const d of descendants) signal(d, 'SIGKILL');
}

/** SIGTERM the group, give it `graceMs` to exit, then SIGKILL whatever is left of the tree. */
export async function killTree(pid: number, graceMs = 3000): Promise<void> {
  const descendants = descendantsOf(pid);
  signal(-pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && isAlive(pid)) {
    await new Promise((r) => setTimeout(r, 100));
  }
  signal(-pid, 'SIGKILL');
  signal(pid, 'SIGKILL');
  for (const d of [...descendants, ...descendantsOf(pid)]) signal(d, 'SIGKILL');
}
