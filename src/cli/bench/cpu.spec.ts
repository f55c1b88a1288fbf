import { readFileSync } from 'node:fs';
import { machineBusySeconds, readCpuSeconds, statCpuSeconds } from './cpu';

describe('bench CPU time', () => {
  it('reads user + system ticks of a stat line, whatever the command name holds', () => {
    // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime ...
    const stat = '4242 (node main.js) x) S 1 4242 4242 0 -1 4194560 2000 0 0 0 1234 56 0 0 20 0 11 0';
    expect(statCpuSeconds(stat)).toBeCloseTo(12.9, 10);
  });

  it('counts the CPU this process spends, and NaN for a process that is not there', () => {
    const before = readCpuSeconds(process.pid);
    let spin = 0;
    // Spins until the kernel has counted at least two ticks more (busy work, not a sleep).
    while (readCpuSeconds(process.pid) - before < 0.02) spin += Math.sqrt(spin + 1);
    expect(readCpuSeconds(process.pid)).toBeGreaterThanOrEqual(before + 0.02);
    expect(readCpuSeconds(2 ** 22 + 1)).toBeNaN();
  });

  it("reads the machine's busy ticks from /proc/stat's cpu line: user, nice, system, irq and softirq, not idle, iowait or steal", () => {
    //                  user nice system idle  iowait irq softirq steal guest guest_nice
    const stat = 'cpu  1000 20 300 90000 500 4 6 700 0 0\ncpu0 500 10 150 45000 250 2 3 350 0 0\nintr 1 2 3\n';
    expect(machineBusySeconds(stat)).toBeCloseTo(13.3, 10);
    expect(machineBusySeconds('intr 1 2 3\n')).toBeNaN();
    // This machine's: it grows while this process spins.
    const before = machineBusySeconds(readFileSync('/proc/stat', 'utf8'));
    let spin = 0;
    while (machineBusySeconds(readFileSync('/proc/stat', 'utf8')) - before < 0.02) spin += Math.sqrt(spin + 1);
    expect(spin).toBeGreaterThan(0);
  });
});
