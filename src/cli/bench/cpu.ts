// CPU time of the service (or the echo) and what it forked, from /proc/<pid>/stat (Linux): user
// plus system time of every thread, so the SQLite writer thread counts too.
import { readFileSync } from 'node:fs';
import { processTree } from './rss';

/** /proc reports times in USER_HZ ticks, 100 per second on Linux whatever the kernel's HZ. */
const TICKS_PER_SECOND = 100;

/** utime + stime of a /proc/<pid>/stat line, in seconds: fields 14 and 15, after the `(comm)` that may hold spaces. */
export function statCpuSeconds(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** CPU seconds of `pid` and its descendants alive now, or NaN where /proc is not there. */
export function readCpuSeconds(pid: number): number {
  let total = 0;
  for (const each of processTree(pid)) {
    try {
      total += statCpuSeconds(readFileSync(`/proc/${each}/stat`, 'utf8'));
    } catch {
      if (each === pid) return Number.NaN;
    }
  }
  return total;
}

/**
 * The machine's busy CPU seconds since boot, all cores, from the `cpu` line of /proc/stat: user,
 * nice, system, irq and softirq. Idle and iowait are not busy; steal is time the hypervisor gave
 * to another machine, not work done here.
 */
export function machineBusySeconds(stat: string): number {
  const line = stat.split('\n').find((each) => each.startsWith('cpu '));
  if (line === undefined) return Number.NaN;
  const [user, nice, system, , , irq, softirq] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq) / TICKS_PER_SECOND;
}

function readMachineBusySeconds(): number {
  try {
    return machineBusySeconds(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return Number.NaN;
  }
}

/**
 * Runs `work` and adds to what it returns the CPU seconds `pid` spent meanwhile, those of this
 * process (the load generator), and the whole machine's.
 */
export async function withCpu<T extends { cpuSeconds: number; generatorCpuSeconds: number; machineCpuSeconds: number }>(pid: number, work: () => Promise<T>): Promise<T> {
  const before = readCpuSeconds(pid);
  const machineBefore = readMachineBusySeconds();
  const generatorBefore = process.cpuUsage();
  const result = await work();
  result.cpuSeconds = readCpuSeconds(pid) - before;
  result.machineCpuSeconds = readMachineBusySeconds() - machineBefore;
  const generator = process.cpuUsage(generatorBefore);
  result.generatorCpuSeconds = (generator.user + generator.system) / 1e6;
  return result;
}
