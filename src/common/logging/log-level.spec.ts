import { validateConfig } from '../../config/app-config';
import { loadSandboxConfig } from '../../sandbox/sandbox-config';
import { LOG_LEVELS, nestLevelsFrom } from './log-level';

describe('LOG_LEVEL', () => {
  it('is info by default', () => {
    expect(validateConfig({}).LOG_LEVEL).toBe('info');
    expect(loadSandboxConfig({}).LOG_LEVEL).toBe('info');
  });

  it.each(LOG_LEVELS)("takes pino's level %s", (level) => {
    expect(validateConfig({ LOG_LEVEL: level }).LOG_LEVEL).toBe(level);
    expect(loadSandboxConfig({ LOG_LEVEL: level }).LOG_LEVEL).toBe(level);
  });

  // The names it took (and the docs listed) before pino's.
  it.each([
    ['log', 'info'],
    ['verbose', 'trace'],
  ])("still reads Nest's %s, as %s", (alias, level) => {
    expect(validateConfig({ LOG_LEVEL: alias }).LOG_LEVEL).toBe(level);
    expect(loadSandboxConfig({ LOG_LEVEL: alias }).LOG_LEVEL).toBe(level);
  });

  it.each(['loud', 'INFO', 'warning', '30'])('stops start-up on %j, naming LOG_LEVEL and the accepted values', (value) => {
    const message = 'LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent';
    expect(() => validateConfig({ LOG_LEVEL: value })).toThrow(message);
    expect(() => loadSandboxConfig({ LOG_LEVEL: value })).toThrow(message);
  });
});

describe('nestLevelsFrom', () => {
  it.each([
    ['trace', ['fatal', 'error', 'warn', 'log', 'debug', 'verbose']],
    ['debug', ['fatal', 'error', 'warn', 'log', 'debug']],
    ['info', ['fatal', 'error', 'warn', 'log']],
    ['warn', ['fatal', 'error', 'warn']],
    ['error', ['fatal', 'error']],
    ['fatal', ['fatal']],
    ['silent', []],
  ] as const)("gives Nest's console logger, at %s, the levels %j", (level, nest) => {
    expect(nestLevelsFrom(level)).toEqual(nest);
  });
});
