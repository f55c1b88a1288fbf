// Resident memory of the service: its process and, with WORKERS=N, the workers it forked, read
// from /proc/<pid>/status (Linux). VmRSS is now; VmHWM is the process's peak since it started.
import { readdirSync, readFileSync } from 'node:fs';

export interface Rss {
  /** Sum of VmRSS, bytes. */
  now: number;
  /** Sum of VmHWM, bytes: each process's own peak (for several processes, an upper bound of their peak together). */
  peak: number;
  processes: number;
  /** VmRSS of each, bytes: the started process first, then the ones it forked. */
  each: number[];
}

/** A VmRSS / VmHWM line's value in bytes, from /proc/<pid>/status text; NaN if absent. */
export function statusField(status: string, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status);
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

/** The children of `pid`, from /proc/<pid>/task/<pid>/children, else by scanning /proc. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    const found: number[] = [];
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        // Field 4 of stat, after the parenthesised command name (which may hold spaces).
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) found.push(Number(entry));
      } catch {
        // gone meanwhile
      }
    }
    return found;
  }
}

/** `pid` first, then its descendants alive now (WORKERS=N: the primary, then the workers it forked). */
export function processTree(pid: number): number[] {
  const pids = [pid];
  for (let i = 0; i < pids.length; i++) pids.push(...childrenOf(pids[i]));
  return pids;
}

/** The process and its descendants' memory, or undefined where /proc is not there. */
export function readRss(pid: number): Rss | undefined {
  const pids = processTree(pid);
  const rss: Rss = { now: 0, peak: 0, processes: 0, each: [] };
  for (const each of pids) {
    try {
      const status = readFileSync(`/proc/${each}/status`, 'utf8');
      rss.each.push(statusField(status, 'VmRSS'));
      rss.now += statusField(status, 'VmRSS');
      rss.peak += statusField(status, 'VmHWM');
      rss.processes += 1;
    } catch {
      if (each === pid) return undefined;
    }
  }
  return Number.isNaN(rss.now) ? undefined : rss;
}

/** Samples the service's RSS every `everyMs` while load runs: the highest sum seen. */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  highest = 0;

  constructor(private readonly pid: number) {}

  start(everyMs = 200): void {
    this.stop();
    this.timer = setInterval(() => {
      const rss = readRss(this.pid);
      if (rss && rss.now > this.highest) this.highest = rss.now;
    }, everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}

export const mb = (bytes: number | undefined) => (bytes === undefined || Number.isNaN(bytes) ? 'n/a' : `${(bytes / 1_048_576).toFixed(0)} MB`);

/** `170 MB`, or for several processes `450 MB (110 + 170 + 170)`. */
export function rssText(rss: Rss | undefined): string {
  if (!rss) return 'n/a';
  return rss.each.length > 1 ? `${mb(rss.now)} (${rss.each.map((bytes) => (bytes / 1_048_576).toFixed(0)).join(' + ')})` : mb(rss.now);
}
