import { readdirSync, readFileSync } from "node:fs";

/** What Linux says about a process tree right now: resident memory and threads, summed over every process in it. */
export interface TreeUsage {
  readonly processes: number;
  readonly rssBytes: number;
  readonly threads: number;
  /** CPU time used so far by the processes alive now, threads that have ended included (utime + stime). */
  readonly cpuSeconds: number;
}

// Linux reports CPU times in clock ticks, 100 per second on every common architecture (USER_HZ).
const TICKS_PER_SECOND = 100;

/** `pid` and all its descendants, from /proc (Linux only). */
export function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const parent = parentOf(Number(name));
    if (parent === undefined) continue;
    children.set(parent, [...(children.get(parent) ?? []), Number(name)]);
  }
  const tree: number[] = [];
  for (const queue = [pid]; queue.length > 0; ) {
    const next = queue.shift() as number;
    tree.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return tree;
}

/** Resident memory (VmRSS) and thread count (Threads) of `pid`'s tree, from /proc/<pid>/status. */
export function treeUsage(pid: number): TreeUsage {
  let rssBytes = 0;
  let threads = 0;
  let processes = 0;
  let ticks = 0;
  for (const member of processTree(pid)) {
    const status = read(`/proc/${member}/status`);
    if (status === undefined) continue; // it exited meanwhile
    processes += 1;
    const [utime = "0", stime = "0"] = statFields(member)?.slice(11, 13) ?? [];
    ticks += Number(utime) + Number(stime);
    rssBytes += Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0) * 1024;
    threads += Number(/^Threads:\s+(\d+)$/m.exec(status)?.[1] ?? 0);
  }
  return { processes, rssBytes, threads, cpuSeconds: ticks / TICKS_PER_SECOND };
}

/** The fields of /proc/<pid>/stat after the command name (so index 0 is field 3, the state). */
function statFields(pid: number): string[] | undefined {
  const stat = read(`/proc/${pid}/stat`);
  // The command name, in parentheses, may itself hold spaces and parentheses: read after the last ")".
  return stat?.slice(stat.lastIndexOf(")") + 2).split(" ");
}

function parentOf(pid: number): number | undefined {
  const fields = statFields(pid);
  return fields === undefined ? undefined : Number(fields[1]);
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}
