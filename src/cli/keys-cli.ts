// `npm run keys -- create --label <text> --scopes <a,b> [--use-cases <a,b>] [--rate <n>] | list | revoke <id>`
// Works on the database of DATABASE_URL directly, so the first admin key of a fresh install
// can be made before anyone can call the API.
import { ApiKeyRepository } from '../auth/api-key.repository';
import { ApiKeyService, ApiKeyView } from '../auth/api-key.service';
import { Scope, SCOPES } from '../auth/scopes';
import { SystemClock } from '../common/time/clock';
import { validateConfig } from '../config/app-config';
import { PrismaService } from '../prisma/prisma.service';
import { CliOutput, option } from './cli-io';

const USAGE =
  'usage: npm run keys -- create --label <text> --scopes <scope,...> [--use-cases <id,...>] [--rate <per second, 1..100000>] | list | revoke <id>\n' +
  `scopes: ${SCOPES.join(', ')}`;

function list(value: string | undefined): string[] | undefined {
  return value === undefined ? undefined : value.split(',').map((item) => item.trim()).filter(Boolean);
}

function describe(key: ApiKeyView): string {
  const limits = [key.useCases ? `use cases ${key.useCases.join(',')}` : 'all use cases', key.rateLimitPerSecond ? `${key.rateLimitPerSecond}/s` : undefined];
  return `${key.id}  ${key.label}  [${key.scopes.join(', ')}]  ${limits.filter(Boolean).join(', ')}${key.revokedAt ? `  revoked ${key.revokedAt}` : ''}`;
}

/** Returns the exit code: 0 done, 64 usage, 1 refused. */
export async function runKeysCli(argv: string[], out: CliOutput, env: Record<string, string | undefined> = process.env): Promise<number> {
  const [command, ...args] = argv;
  if (command !== 'create' && command !== 'list' && command !== 'revoke') {
    out.error(USAGE);
    return 64;
  }
  const config = validateConfig(env);
  const prisma = new PrismaService(config);
  await prisma.onModuleInit();
  try {
    const keys = new ApiKeyService(new ApiKeyRepository(prisma), new SystemClock(), config);
    if (command === 'list') {
      const items = await keys.list();
      if (items.length === 0) out.line('no API keys');
      items.forEach((key) => out.line(describe(key)));
      return 0;
    }
    if (command === 'revoke') {
      if (!args[0]) return usage(out);
      out.line(`revoked ${describe(await keys.revoke(args[0]))}`);
      return 0;
    }
    const label = option(args, '--label');
    const scopes = list(option(args, '--scopes'));
    const rate = option(args, '--rate');
    const bad = scopes?.filter((scope) => !(SCOPES as readonly string[]).includes(scope)) ?? [];
    if (!label || !scopes?.length || bad.length > 0 || (rate !== undefined && !/^[1-9]\d*$/.test(rate))) {
      if (bad.length > 0) out.error(`unknown scope: ${bad.join(', ')}`);
      return usage(out);
    }
    const created = await keys.create({ label, scopes: scopes as Scope[], useCases: list(option(args, '--use-cases')), rateLimitPerSecond: rate ? Number(rate) : null });
    out.line(`created ${describe(created)}`);
    out.line('');
    out.line(`  ${created.key}`);
    out.line('');
    out.line('Store this key now: it is not kept and cannot be shown again. Use it as "Authorization: Bearer <key>".');
    return 0;
  } catch (error) {
    out.error((error as Error).message);
    return 1;
  } finally {
    await prisma.onModuleDestroy();
  }
}

function usage(out: CliOutput): number {
  out.error(USAGE);
  return 64;
}
