// `linetrust keys create | list | revoke` (alias `npm run keys -- ...`). Works on the database
// of DATABASE_URL directly, so the first admin key of a fresh install can be made before anyone
// can call the API.
import { ApiKeyRepository } from '../auth/api-key.repository';
import { ApiKeyService, ApiKeyView } from '../auth/api-key.service';
import { Scope, SCOPES } from '../auth/scopes';
import { validateConfig } from '../config/app-config';
import { PrismaService } from '../prisma/prisma.service';
import { CliEnv, CliOutput } from './cli-io';
import { CliContext, CommandGroup, EXIT, list, text, UsageError } from './command';
import { runCli } from './linetrust-cli';

function describe(key: ApiKeyView): string {
  const limits = [key.useCases ? `use cases ${key.useCases.join(',')}` : 'all use cases', key.rateLimitPerSecond ? `${key.rateLimitPerSecond}/s` : undefined];
  return `${key.id}  ${key.label}  [${key.scopes.join(', ')}]  ${limits.filter(Boolean).join(', ')}${key.revokedAt ? `  revoked ${key.revokedAt}` : ''}`;
}

async function withKeys(context: CliContext, work: (keys: ApiKeyService) => Promise<number>): Promise<number> {
  const config = validateConfig(context.env);
  const prisma = new PrismaService(config);
  await prisma.onModuleInit();
  try {
    return await work(new ApiKeyService(new ApiKeyRepository(prisma), context.clock, config));
  } finally {
    await prisma.onModuleDestroy();
  }
}

/** Refusals of the service (a bad use case, a label too long) are failures, not usage errors. */
async function refusedAsFailure(context: CliContext, work: () => Promise<number>): Promise<number> {
  try {
    return await work();
  } catch (error) {
    context.out.error((error as Error).message);
    return EXIT.failed;
  }
}

export const keysCommands: CommandGroup = {
  name: 'keys',
  summary: 'API keys, on the database of DATABASE_URL (the first admin key, rotation, revocation)',
  commands: [
    {
      name: 'create',
      summary: 'make a key; its secret is printed once',
      positionals: { min: 0, max: 0 },
      json: true,
      options: {
        label: { type: 'string', value: '<text>', required: true, description: 'who or what uses the key (1 to 100 characters)' },
        scopes: { type: 'string', value: '<scope,...>', required: true, description: `comma-separated: ${SCOPES.join(', ')}` },
        'use-cases': { type: 'string', value: '<id,...>', description: 'limit the key to these policies (default: all)' },
        rate: { type: 'string', value: '<per second>', description: "the key's own rate limit, 1..100000 (default: RATE_LIMIT_PER_SECOND)" },
      },
      notes: ['With --json: {"id", "label", "scopes", "useCases", "rateLimitPerSecond", "createdAt", "revokedAt", "key"};', 'for example KEY=$(linetrust keys create --label ci --scopes decisions:write --json | jq -r .key)'],
      run: async ({ values }, context) => {
        const scopes = list(values, 'scopes') ?? [];
        const unknown = scopes.filter((scope) => !(SCOPES as readonly string[]).includes(scope));
        if (scopes.length === 0) throw new UsageError('--scopes needs at least one scope');
        if (unknown.length > 0) throw new UsageError(`unknown scope: ${unknown.join(', ')} (scopes: ${SCOPES.join(', ')})`);
        const rate = text(values, 'rate');
        if (rate !== undefined && !/^[1-9]\d*$/.test(rate)) throw new UsageError(`--rate takes a whole number of requests per second, not "${rate}"`);
        return withKeys(context, (keys) =>
          refusedAsFailure(context, async () => {
            const request = { label: text(values, 'label') ?? '', scopes: scopes as Scope[], useCases: list(values, 'use-cases'), rateLimitPerSecond: rate ? Number(rate) : null };
            const created = await keys.create(request);
            if (context.json) {
              context.out.line(JSON.stringify(created));
              return EXIT.ok;
            }
            context.out.line(`created ${describe(created)}`);
            context.out.line('');
            context.out.line(`  ${created.key}`);
            context.out.line('');
            context.out.line('Store this key now: it is not kept and cannot be shown again. Use it as "Authorization: Bearer <key>".');
            return EXIT.ok;
          }),
        );
      },
    },
    {
      name: 'list',
      summary: 'every key, revoked ones too (never their secrets)',
      positionals: { min: 0, max: 0 },
      json: true,
      options: {},
      run: (_input, context) =>
        withKeys(context, async (keys) => {
          const items = await keys.list();
          if (context.json) context.out.line(JSON.stringify(items));
          else if (items.length === 0) context.out.line('no API keys');
          else items.forEach((key) => context.out.line(describe(key)));
          return EXIT.ok;
        }),
    },
    {
      name: 'revoke',
      summary: 'revoke a key by its id (every instance refuses it within a second)',
      args: '<id>',
      positionals: { min: 1, max: 1 },
      json: true,
      options: {},
      run: ({ positionals }, context) =>
        withKeys(context, (keys) =>
          refusedAsFailure(context, async () => {
            const revoked = await keys.revoke(positionals[0]);
            context.out.line(context.json ? JSON.stringify(revoked) : `revoked ${describe(revoked)}`);
            return EXIT.ok;
          }),
        ),
    },
  ],
};

/** `linetrust keys <argv>`, as `npm run keys -- <argv>` runs it. */
export function runKeysCli(argv: string[], out: CliOutput, env: CliEnv = process.env): Promise<number> {
  return runCli(['keys', ...argv], out, env);
}
