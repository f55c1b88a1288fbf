import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';

// js-yaml comes with @nestjs/swagger (a dependency); no types are installed for it.
const yaml: { load(text: string): any } = require('js-yaml');

const ROOT = join(__dirname, '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/**
 * The container files, checked offline: this machine cannot pull base images (README,
 * "Container"), so what a fleet needs and what the image must hold is asserted here.
 */
describe('compose.yaml: a fleet of two on PostgreSQL', () => {
  const compose = yaml.load(read('compose.yaml'));
  const instances = Object.entries<any>(compose.services).filter(([name]) => name.startsWith('linetrust'));

  it('runs two LineTrust instances with the same settings on the compose PostgreSQL', () => {
    expect(instances.map(([name]) => name)).toEqual(['linetrust-1', 'linetrust-2']);
    const [first, second] = instances.map(([, service]) => service);
    expect(second.environment).toEqual(first.environment);
    const url = new URL(first.environment.DATABASE_URL.replace(/\$\{POSTGRES_PASSWORD:-([^}]*)\}/, '$1'));
    expect(url.protocol).toBe('postgresql:');
    expect(url.hostname).toBe('postgres');
    expect(url.pathname).toBe(`/${compose.services.postgres.environment.POSTGRES_DB}`);
    expect(first.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(compose.services.postgres.healthcheck).toBeDefined();
  });

  it('shares what a fleet must share: the hash key (required, no development default) and the active policies', () => {
    for (const [, service] of instances) {
      expect(service.environment.PHONE_NUMBER_HASH_KEY).toMatch(/^\$\{PHONE_NUMBER_HASH_KEY:\?/);
      expect(service.environment).toMatchObject({ NODE_ENV: 'production', POLICY_SOURCE: 'database', FLEET_STATE: 'database' });
    }
  });

  it('publishes each instance on its own host port', () => {
    const published = instances.map(([, service]) => service.ports.map((port: string) => port.split(':')[0])).flat();
    expect(new Set(published).size).toBe(2);
  });
});

describe('Dockerfile', () => {
  const lines = read('Dockerfile')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() && !line.trim().startsWith('#'));
  const stages = lines.map((line, at) => ({ line, at })).filter(({ line }) => line.startsWith('FROM '));
  const runtime = lines.slice(stages[stages.length - 1].at);

  it('builds in a stage with the toolchain and ends in a runtime stage without it', () => {
    expect(stages.map(({ line }) => line.split(/\s+/).pop())).toEqual(['build', 'runtime']);
    const build = lines.slice(stages[0].at, stages[1].at).join('\n');
    expect(build).toMatch(/apt-get install .*g\+\+/);
    expect(build).toMatch(/npm ci .*npm prune --omit=dev/);
    expect(runtime.join('\n')).not.toMatch(/apt-get|npm (ci|install)|COPY src \.\/src\b/);
  });

  it('runs as a non-root user, checks /health/live with node, starts node directly', () => {
    const user = runtime.filter((line) => line.startsWith('USER ')).pop();
    expect(user).toBe('USER node');
    const health = runtime.find((line) => line.startsWith('HEALTHCHECK '));
    expect(health).toMatch(/CMD \["node", "-e", .*\/health\/live/);
    expect(runtime.filter((line) => line.startsWith('CMD ')).pop()).toBe('CMD ["node", "dist/main.js"]');
  });

  /** Paths the service reads under the package root at run time: join(PACKAGE_ROOT, 'a', 'b', ...). */
  function runtimeAssets(dir: string, found = new Set<string>()): Set<string> {
    for (const name of readdirSync(dir)) {
      const file = join(dir, name);
      if (statSync(file).isDirectory()) {
        if (!['cli', 'generated'].includes(name)) runtimeAssets(file, found);
      } else if (name.endsWith('.ts') && !name.endsWith('.spec.ts')) {
        for (const match of readFileSync(file, 'utf8').matchAll(/join\(PACKAGE_ROOT((?:,\s*'[^']+')+)/g)) {
          found.add([...match[1].matchAll(/'([^']+)'/g)].map((part) => part[1]).join('/'));
        }
      }
    }
    return found;
  }

  it('copies into the image every file the service reads from the package root, and .dockerignore keeps them', () => {
    const copied = runtime
      .filter((line) => line.startsWith('COPY '))
      .map((line) => {
        const [source, target] = line.replace(/^COPY (--\S+ )*/, '').split(/\s+/);
        return relative('/app', join('/app', target.endsWith('/') ? join(target, basename(source)) : target));
      });
    const assets = [...runtimeAssets(join(ROOT, 'src'))];
    expect(assets).toEqual(expect.arrayContaining(['rules', 'prisma', 'package.json', 'src/explorer/static', 'src/signals/sandbox/demo-lines.json']));
    for (const asset of assets) expect({ asset, copied: copied.some((path) => asset === path || asset.startsWith(`${path}/`)) }).toEqual({ asset, copied: true });
    const ignored = read('.dockerignore')
      .split('\n')
      .filter((line) => line && !line.startsWith('#'));
    for (const asset of assets) expect({ asset, ignoredBy: ignored.filter((pattern) => asset === pattern || asset.startsWith(`${pattern}/`)) }).toEqual({ asset, ignoredBy: [] });
  });
});
