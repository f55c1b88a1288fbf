import { existsSync } from 'node:fs';
import { loadSandboxConfig, SandboxConfigInvalidError } from './sandbox-config';

function refusal(env: Record<string, string>): string {
  try {
    loadSandboxConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(SandboxConfigInvalidError);
    return (error as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadSandboxConfig', () => {
  it('has the documented defaults, the demo dataset and no faults', () => {
    const config = loadSandboxConfig({});
    expect(config).toMatchObject({
      SANDBOX_OPERATOR_PORT: 9090,
      SANDBOX_OPERATOR_HOST: '127.0.0.1',
      SANDBOX_CLIENT_ID: 'linetrust-sandbox',
      SANDBOX_CLIENT_SECRET: 'linetrust-sandbox-secret',
      SANDBOX_TOKEN_TTL_S: 3600,
      LOG_LEVEL: 'info',
    });
    expect(config.SANDBOX_LINES_FILE).toMatch(/src\/signals\/sandbox\/demo-lines\.json$/);
    expect(existsSync(config.SANDBOX_LINES_FILE)).toBe(true);
    expect(config.faults).toBeUndefined();
  });

  it('reads every variable, and treats an empty one as unset', () => {
    const config = loadSandboxConfig({
      SANDBOX_OPERATOR_PORT: '9191',
      SANDBOX_OPERATOR_HOST: '0.0.0.0',
      SANDBOX_LINES_FILE: '/tmp/lines.json',
      SANDBOX_CLIENT_ID: 'client',
      SANDBOX_CLIENT_SECRET: '',
      SANDBOX_TOKEN_TTL_S: '60',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      SANDBOX_OPERATOR_PORT: 9191,
      SANDBOX_OPERATOR_HOST: '0.0.0.0',
      SANDBOX_LINES_FILE: '/tmp/lines.json',
      SANDBOX_CLIENT_ID: 'client',
      SANDBOX_CLIENT_SECRET: 'linetrust-sandbox-secret',
      SANDBOX_TOKEN_TTL_S: 60,
      LOG_LEVEL: 'debug',
    });
  });

  it('reads the global faults', () => {
    const config = loadSandboxConfig({
      SANDBOX_FAULT_LATENCY_MS: '250',
      SANDBOX_FAULT_STATUS: '429',
      SANDBOX_FAULT_CODE: 'QUOTA_EXCEEDED',
      SANDBOX_FAULT_RETRY_AFTER_S: '5',
      SANDBOX_FAULT_RATE: '0.1',
      SANDBOX_FAULT_APIS: 'sim-swap, kyc-tenure:check-tenure',
    });
    expect(config.faults).toEqual({
      latencyMs: 250,
      status: 429,
      code: 'QUOTA_EXCEEDED',
      retryAfterS: 5,
      rate: 0.1,
      apis: ['sim-swap', 'kyc-tenure:check-tenure'],
    });
  });

  it.each([
    ['true', true],
    ['1', true],
    ['FALSE', false],
    ['0', false],
  ])('reads SANDBOX_FAULT_DROP=%s as %s', (value, drop) => {
    expect(loadSandboxConfig({ SANDBOX_FAULT_DROP: value }).faults).toEqual({ drop });
  });

  it.each([
    [{ SANDBOX_OPERATOR_PORT: 'http' }, 'SANDBOX_OPERATOR_PORT must be an integer'],
    [{ SANDBOX_OPERATOR_PORT: '70000' }, 'SANDBOX_OPERATOR_PORT must not be greater than 65535'],
    [{ SANDBOX_TOKEN_TTL_S: '0' }, 'SANDBOX_TOKEN_TTL_S must not be less than 1'],
    [{ SANDBOX_TOKEN_TTL_S: '1.5' }, 'SANDBOX_TOKEN_TTL_S must be an integer'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of'],
    [{ SANDBOX_FAULT_LATENCY_MS: 'slow' }, 'SANDBOX_FAULT_LATENCY_MS must be an integer from 0 to 60000'],
    [{ SANDBOX_FAULT_LATENCY_MS: '60001' }, 'SANDBOX_FAULT_LATENCY_MS must be an integer from 0 to 60000'],
    [{ SANDBOX_FAULT_LATENCY_MS: ' ' }, 'SANDBOX_FAULT_LATENCY_MS must be an integer'],
    [{ SANDBOX_FAULT_STATUS: '418' }, 'SANDBOX_FAULT_STATUS must be one of 400, 401, 403, 404, 422, 429, 500, 502, 503, 504'],
    [{ SANDBOX_FAULT_STATUS: '503', SANDBOX_FAULT_CODE: 'TIMEOUT' }, 'SANDBOX_FAULT_CODE must be one of UNAVAILABLE for status 503'],
    [{ SANDBOX_FAULT_CODE: 'UNAVAILABLE' }, 'SANDBOX_FAULT_CODE needs SANDBOX_FAULT_STATUS'],
    [{ SANDBOX_FAULT_STATUS: '500', SANDBOX_FAULT_RETRY_AFTER_S: '1' }, 'SANDBOX_FAULT_RETRY_AFTER_S needs SANDBOX_FAULT_STATUS 429 or 503'],
    [{ SANDBOX_FAULT_STATUS: '429', SANDBOX_FAULT_RETRY_AFTER_S: '-1' }, 'SANDBOX_FAULT_RETRY_AFTER_S must be an integer from 0 to 86400'],
    [{ SANDBOX_FAULT_DROP: 'yes' }, 'SANDBOX_FAULT_DROP must be true or false'],
    [{ SANDBOX_FAULT_DROP: 'true', SANDBOX_FAULT_STATUS: '503' }, 'SANDBOX_FAULT_DROP and SANDBOX_FAULT_STATUS exclude each other'],
    [{ SANDBOX_FAULT_STATUS: '503', SANDBOX_FAULT_RATE: '1.5' }, 'SANDBOX_FAULT_RATE must be a number from 0 to 1'],
    [{ SANDBOX_FAULT_STATUS: '503', SANDBOX_FAULT_RATE: 'half' }, 'SANDBOX_FAULT_RATE must be a number from 0 to 1'],
    [{ SANDBOX_FAULT_STATUS: '503', SANDBOX_FAULT_APIS: 'sim-swap,location' }, 'SANDBOX_FAULT_APIS must list one or more of kyc-tenure, kyc-tenure:check-tenure'],
    [{ SANDBOX_FAULT_STATUS: '503', SANDBOX_FAULT_APIS: ' , ' }, 'SANDBOX_FAULT_APIS must list one or more of'],
    [{ SANDBOX_FAULT_RATE: '0.5' }, 'SANDBOX_FAULT_RATE and SANDBOX_FAULT_APIS need a fault to apply'],
  ])('refuses %j, naming the variable', (env, message) => {
    expect(refusal(env)).toContain(message);
  });

  it('reports every wrong variable at once', () => {
    const message = refusal({ SANDBOX_OPERATOR_PORT: '-1', SANDBOX_FAULT_STATUS: '418', SANDBOX_FAULT_RATE: '2' });
    expect(message).toMatch(/^Invalid sandbox operator configuration:/);
    expect(message).toContain('SANDBOX_OPERATOR_PORT');
    expect(message).toContain('SANDBOX_FAULT_STATUS');
    expect(message).toContain('SANDBOX_FAULT_RATE');
  });
});

describe('loadSandboxConfig: gateway profiles', () => {
  it('plays the camara gateway on SANDBOX_OPERATOR_PORT by default, with the profile CIBA timings', () => {
    const config = loadSandboxConfig({ SANDBOX_OPERATOR_PORT: '9191' });
    expect(config).toMatchObject({
      SANDBOX_PROFILE: 'camara',
      SANDBOX_CIBA_INTERVAL_S: undefined,
      SANDBOX_CIBA_EXPIRES_S: undefined,
      SANDBOX_API_HOST: 'network-as-code.nokia.rapidapi.com',
      gateways: [{ profile: 'camara', port: 9191 }],
    });
  });

  it('reads the profile settings', () => {
    const config = loadSandboxConfig({
      SANDBOX_PROFILE: 'icm',
      SANDBOX_CLIENT_PUBLIC_KEYS: '/tmp/keys.pem',
      SANDBOX_CIBA_INTERVAL_S: '0',
      SANDBOX_CIBA_EXPIRES_S: '30',
    });
    expect(config).toMatchObject({ SANDBOX_PROFILE: 'icm', SANDBOX_CIBA_INTERVAL_S: 0, SANDBOX_CIBA_EXPIRES_S: 30, gateways: [{ profile: 'icm', port: 9090 }] });
  });

  it('serves SANDBOX_PROFILES instead of SANDBOX_PROFILE and its port', () => {
    const config = loadSandboxConfig({ SANDBOX_PROFILE: 'icm', SANDBOX_PROFILES: 'telefonica@9091, orange@9092,nokia@9093', SANDBOX_API_KEY: 'k' });
    expect(config.gateways).toEqual([
      { profile: 'telefonica', port: 9091 },
      { profile: 'orange', port: 9092 },
      { profile: 'nokia', port: 9093 },
    ]);
  });

  it.each([
    [{ SANDBOX_PROFILE: 'verizon' }, 'SANDBOX_PROFILE must be one of camara, telefonica, orange, vonage, nokia, icm'],
    [{ SANDBOX_CIBA_INTERVAL_S: '-1' }, 'SANDBOX_CIBA_INTERVAL_S must not be less than 0'],
    [{ SANDBOX_CIBA_INTERVAL_S: '61' }, 'SANDBOX_CIBA_INTERVAL_S must not be greater than 60'],
    [{ SANDBOX_CIBA_INTERVAL_S: 'fast' }, 'SANDBOX_CIBA_INTERVAL_S must be an integer'],
    [{ SANDBOX_CIBA_EXPIRES_S: '0' }, 'SANDBOX_CIBA_EXPIRES_S must not be less than 1'],
    [{ SANDBOX_PROFILE: 'icm' }, 'SANDBOX_CLIENT_PUBLIC_KEYS is required by the icm profile'],
    [{ SANDBOX_PROFILE: 'vonage' }, 'SANDBOX_CLIENT_PUBLIC_KEYS is required by the vonage profile'],
    [{ SANDBOX_PROFILE: 'nokia' }, 'SANDBOX_API_KEY is required by the nokia profile'],
    [{ SANDBOX_PROFILES: 'telefonica@9091,icm@9092' }, 'SANDBOX_CLIENT_PUBLIC_KEYS is required by the icm profile'],
    [{ SANDBOX_PROFILES: 'telefonica' }, 'SANDBOX_PROFILES: "telefonica" must be name@port'],
    [{ SANDBOX_PROFILES: 'verizon@9091' }, 'SANDBOX_PROFILES: "verizon@9091" must be name@port, name one of camara'],
    [{ SANDBOX_PROFILES: 'orange@0' }, 'port 1..65535'],
    [{ SANDBOX_PROFILES: 'orange@9091,telefonica@9091' }, 'SANDBOX_PROFILES: port 9091 is given twice'],
  ])('refuses %j, naming the variable', (env, message) => {
    expect(refusal(env)).toContain(message);
  });
});
