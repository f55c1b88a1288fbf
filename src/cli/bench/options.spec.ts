import { parseOptions } from './options';

describe('bench options', () => {
  it('measures one process and both cores by default on two cores, on SQLite with the built-in sandbox', () => {
    const options = parseOptions([], {}, 2);
    expect(options).toMatchObject({ database: 'sqlite', modes: ['built-in'], workers: [1, 2], rate: 1000, rounds: 3, durationS: 5, rateDurationS: 5, connections: 50 });
    expect(parseOptions([], {}, 1).workers).toEqual([1]);
  });

  it('takes sizes from flags, and the older BENCH_DURATION / BENCH_CONNECTIONS / WORKERS variables', () => {
    expect(parseOptions(['--duration', '2', '--rate-duration', '3', '--workers', '2'], {}, 2)).toMatchObject({ durationS: 2, rateDurationS: 3, workers: [2] });
    expect(parseOptions([], {}, 2).rateWarmupS).toBe(1);
    expect(parseOptions(['--rate-warmup', '0'], {}, 2).rateWarmupS).toBe(0);
    expect(parseOptions([], { BENCH_DURATION: '10', BENCH_CONNECTIONS: '20', WORKERS: '2' }, 2)).toMatchObject({ durationS: 10, connections: 20, workers: [2] });
  });

  it('runs on a new PostgreSQL database with --database postgres, or a postgresql:// BENCH_DATABASE_URL', () => {
    expect(parseOptions(['--database', 'postgres'], {}, 2)).toMatchObject({ database: 'postgres', postgresUrl: 'postgresql://postgres@127.0.0.1:5432/test' });
    expect(parseOptions([], { BENCH_DATABASE_URL: 'postgresql://u@db:5433/x' }, 2)).toMatchObject({ database: 'postgres', postgresUrl: 'postgresql://u@db:5433/x' });
    expect(parseOptions(['--database', 'postgres'], { BENCH_POSTGRES_URL: 'postgresql://u@h/y' }, 2).postgresUrl).toBe('postgresql://u@h/y');
  });

  it('measures signals over HTTP with --http and --3legged, one process unless told', () => {
    expect(parseOptions(['--http'], {}, 2)).toMatchObject({ modes: ['client_credentials'], workers: [1] });
    expect(parseOptions(['--3legged'], {}, 2)).toMatchObject({ modes: ['client_credentials', 'ciba'], workers: [1] });
  });

  it('reads the after-load RSS 5 s and 30 s after the load unless told, at ascending points', () => {
    expect(parseOptions([], {}, 2).settleS).toEqual([5, 30]);
    expect(parseOptions(['--settle', '0'], {}, 2).settleS).toEqual([0]);
    expect(parseOptions(['--settle', '5, 15,60'], {}, 2).settleS).toEqual([5, 15, 60]);
    for (const bad of ['30,5', '5,5', '5,', 'soon', '-1']) expect(() => parseOptions(['--settle', bad], {}, 2)).toThrow('--settle takes ascending whole seconds');
  });

  it('refuses what it does not know rather than measure something else', () => {
    expect(() => parseOptions(['--duraton', '2'], {}, 2)).toThrow('unknown argument "--duraton"');
    expect(() => parseOptions(['--database', 'mysql'], {}, 2)).toThrow('--database takes sqlite or postgres');
    expect(() => parseOptions(['--workers', '0'], {}, 2)).toThrow('--workers takes');
    expect(() => parseOptions(['--rate', 'fast'], {}, 2)).toThrow('--rate takes a number');
  });
});
