import type { ConfigResult } from './measure';
import { emptySnapshot } from './metrics';
import { commitText, configReport, ConfigFigures, evaluateTargets, figuresOf, roundLine, targetTable } from './report';
import { Rss } from './rss';
import { emptyTally } from './stats';

const MB = 1_048_576;
const one: ConfigFigures = {
  label: 'WORKERS=1',
  workers: 1,
  plainPerS: 2100,
  idempotentPerS: 1500,
  echoPerS: 10_000,
  openP99: 24,
  echoOpenP99: 5,
  rate: 1000,
  idleRss: 150 * MB,
  peakRss: 280 * MB,
  afterRss: 170 * MB,
  rssProcesses: 1,
  settleS: 5,
};

describe('bench targets', () => {
  it('judges the ratio per write path, p99 against the same run echo, and RSS, with the figures', () => {
    const rows = evaluateTargets([one]);
    const row = (start: string) => rows.find((each) => each.target.startsWith(start) && each.target.includes('WORKERS=1'));
    expect(rows.find((each) => each.target.includes('plain') && each.target.startsWith('ratio'))).toEqual({
      target: 'ratio to echo >= 0.20, WORKERS=1, plain',
      figure: '0.210 (2,100 / 10,000 per s)',
      pass: true,
    });
    expect(rows.find((each) => each.target.includes('Idempotency-Key') && each.target.startsWith('ratio'))?.pass).toBe(false);
    expect(row('p99')).toMatchObject({ figure: '24.0 ms vs 5.00 ms = 4.8 x', pass: true });
    expect(row('RSS under load')).toMatchObject({ figure: 'peak 280 MB', pass: true });
    expect(row('RSS after load')).toMatchObject({ figure: '+13%: 170 MB 5 s after vs 150 MB idle', pass: true });
  });

  it('says the both-cores target was not measured without a WORKERS >= 2 configuration', () => {
    const rows = evaluateTargets([one]);
    expect(rows.find((each) => each.target.startsWith('>= 3,000'))).toEqual({
      target: '>= 3,000 decisions/s with both cores',
      figure: 'not measured (add --workers 1,2)',
      pass: undefined,
    });
  });

  it('judges both cores on the WORKERS=2 configuration, and each configuration on its own p99 and RSS', () => {
    const two: ConfigFigures = { ...one, label: 'WORKERS=2', workers: 2, plainPerS: 3200, idempotentPerS: 2900, openP99: 30, peakRss: 420 * MB, afterRss: 300 * MB, rssProcesses: 3 };
    const rows = evaluateTargets([one, two]);
    expect(rows.filter((each) => each.target.startsWith('>= 3,000')).map((each) => each.pass)).toEqual([true, false]);
    expect(rows.filter((each) => each.target.startsWith('ratio')).every((each) => each.target.includes('WORKERS=1'))).toBe(true);
    expect(rows.find((each) => each.target === 'p99 at 1,000 req/s <= 5 x echo p99, WORKERS=2')?.pass).toBe(false);
    expect(rows.find((each) => each.target === 'RSS under load <= 300 MB, WORKERS=2')).toMatchObject({ figure: 'peak 420 MB (sum of 3 processes)', pass: false });
    expect(rows.find((each) => each.target === 'RSS after load within 20% of idle, WORKERS=2')?.pass).toBe(false);
  });

  it('does not judge the p99 target at another rate, and prints n/a without /proc', () => {
    const rows = evaluateTargets([{ ...one, rate: 500, peakRss: undefined, idleRss: undefined, afterRss: undefined }]);
    expect(rows.find((each) => each.target.startsWith('p99'))).toMatchObject({ pass: undefined, figure: expect.stringContaining('measured at 500 req/s, not 1,000') });
    expect(rows.filter((each) => each.target.startsWith('RSS')).map((each) => [each.figure, each.pass])).toEqual([
      ['n/a (no /proc)', undefined],
      ['n/a (no /proc)', undefined],
    ]);
    expect(targetTable(rows).some((line) => line.endsWith('   -'))).toBe(true);
  });

  it('prints the after-load RSS at every settle point and judges the last one (V8 returns its reserve late)', () => {
    const rss = (mbs: number): Rss => ({ now: mbs * MB, peak: 280 * MB, processes: 1, each: [mbs * MB] });
    const tally = () => ({ ...emptyTally(), ok: 1000, seconds: 1, latencies: [1] });
    const result: ConfigResult = {
      mode: 'built-in',
      workers: 1,
      label: 'WORKERS=1 (one process), built-in sandbox',
      database: 'sqlite',
      plain: tally(),
      idempotent: tally(),
      echo: tally(),
      openService: { ...tally(), sent: 1000, lags: [0] },
      openEcho: { ...tally(), sent: 1000, lags: [0] },
      signals: { plain: emptySnapshot(), idempotent: emptySnapshot(), open: emptySnapshot() },
      rss: { idle: rss(150), peakSampled: 280 * MB, peak: 280 * MB, after: [{ afterS: 5, rss: rss(250) }, { afterS: 30, rss: rss(170) }] },
      heap: {},
      warmupFailed: 0,
    };
    const lines = configReport(result);
    expect(lines.filter((line) => line.includes('after load,'))).toEqual(['  after load, 5 s without load: 250 MB (+67% of idle)', '  after load, 30 s without load: 170 MB (+13% of idle)']);
    const back = evaluateTargets([figuresOf(result, 1000)]).find((row) => row.target.startsWith('RSS after load'));
    expect(back).toMatchObject({ figure: '+13%: 170 MB 30 s after vs 150 MB idle', pass: true });
  });

  it("prints the load generator's CPU per kind of phase, as a share of one core over the phases' time", () => {
    const tally = (generatorCpuSeconds: number) => ({ ...emptyTally(), ok: 1000, seconds: 10, latencies: [1], generatorCpuSeconds });
    const result: ConfigResult = {
      mode: 'built-in',
      workers: 2,
      label: 'WORKERS=2, built-in sandbox',
      database: 'sqlite',
      plain: tally(3.5),
      idempotent: tally(3.25),
      echo: tally(9.5),
      openService: { ...tally(1), sent: 1000, lags: [0] },
      openEcho: { ...tally(1), sent: 1000, lags: [0] },
      signals: { plain: emptySnapshot(), idempotent: emptySnapshot(), open: emptySnapshot() },
      rss: { peakSampled: 0, after: [] },
      heap: {},
      warmupFailed: 0,
    };
    expect(configReport(result).filter((line) => line.includes('load generator'))).toEqual([
      "  the load generator (this process) used 35.0% of a core during the plain phases, 32.5% during the Idempotency-Key ones, 95.0% during the echo's: what the service could not have",
    ]);
  });
});

describe('commit figures', () => {
  it('prints how many commits, their mean, and how many were slower than 25 and 100 ms', () => {
    const commits = { count: 2000, seconds: 1.2, atMost: new Map([[0.025, 1995], [0.1, 1998]]) };
    expect(commitText(commits)).toBe('commits 2,000, mean 0.60 ms, over 25 ms 5, over 100 ms 2');
    expect(commitText({ count: 0, seconds: 0, atMost: new Map() })).toBe('commits: none counted');
  });
});

describe('bench round lines', () => {
  it("end with how busy the machine was and how much of it was neither the target nor the generator, when /proc says", () => {
    const tally = { ...emptyTally(), ok: 2000, seconds: 2, latencies: [1, 2, 3], cpuSeconds: 1.0, generatorCpuSeconds: 0.4, machineCpuSeconds: 2.9 };
    expect(roundLine(1, 'service, plain', tally)).toMatch(/CPU 500 us\/2xx {3}machine 1\.45 cores busy \(others 0\.75\)$/);
    expect(roundLine(1, 'service, plain', { ...tally, machineCpuSeconds: Number.NaN })).toMatch(/CPU 500 us\/2xx$/);
  });
});
