// `linetrust privacy purge | erase` (alias `npm run privacy -- ...`). Works on the database of
// DATABASE_URL directly: a purge from cron when the service runs with
// RETENTION_INTERVAL_MINUTES=0, an erasure when no admin key is at hand.
import { PHONE_NUMBER_PATTERN } from '../common/phone/phone-number';
import { Clock, SystemClock } from '../common/time/clock';
import { validateConfig } from '../config/app-config';
import { PrismaService } from '../prisma/prisma.service';
import { PrivacyRepository } from '../privacy/privacy.repository';
import { describeRemoved, ErasureRequest, PrivacyService } from '../privacy/privacy.service';
import { CliEnv, CliOutput } from './cli-io';
import { CliContext, CommandGroup, EXIT, text, UsageError } from './command';
import { runCli } from './linetrust-cli';

async function withPrivacy(context: CliContext, work: (privacy: PrivacyService, hours: number) => Promise<number>): Promise<number> {
  const config = validateConfig(context.env);
  const prisma = new PrismaService(config);
  try {
    await prisma.onModuleInit();
    return await work(new PrivacyService(new PrivacyRepository(prisma), context.clock, config), config.IDEMPOTENCY_TTL_HOURS);
  } finally {
    await prisma.onModuleDestroy();
  }
}

/** The one erasure asked for; a phone number is never echoed back (it is personal data). */
function erasureRequest(phoneNumber: string | undefined, subjectId: string | undefined): ErasureRequest {
  if ((phoneNumber === undefined) === (subjectId === undefined)) throw new UsageError('give exactly one of --phone-number and --subject-id');
  if (phoneNumber !== undefined) {
    if (!PHONE_NUMBER_PATTERN.test(phoneNumber)) throw new UsageError('--phone-number must be in E.164 format, e.g. +34611000001');
    return { phoneNumber };
  }
  if (!subjectId || subjectId.length > 128) throw new UsageError('--subject-id must be 1 to 128 characters');
  return { subjectId };
}

export const privacyCommands: CommandGroup = {
  name: 'privacy',
  summary: 'retention and erasure, on the database of DATABASE_URL',
  commands: [
    {
      name: 'purge',
      summary: 'delete decisions older than RETENTION_DAYS and expired idempotency keys',
      positionals: { min: 0, max: 0 },
      json: true,
      options: { 'older-than-days': { type: 'string', value: '<days>', description: 'override RETENTION_DAYS: 1..99999' } },
      notes: ['With --json: {"decisions", "idempotencyKeys", "cutoff"} (cutoff null when RETENTION_DAYS=0 keeps decisions forever).'],
      run: ({ values }, context) => {
        const days = text(values, 'older-than-days');
        // At least one day: 0 would delete every decision up to this second.
        if (days !== undefined && !/^[1-9]\d{0,4}$/.test(days)) throw new UsageError(`--older-than-days takes 1..99999 days, not "${days}"`);
        return withPrivacy(context, async (privacy, hours) => {
          const report = await privacy.purge(context.clock.now(), { olderThanDays: days === undefined ? undefined : Number(days) });
          if (context.json) {
            context.out.line(JSON.stringify({ decisions: report.decisions, idempotencyKeys: report.idempotencyKeys, cutoff: report.cutoff?.toISOString() ?? null }));
            return EXIT.ok;
          }
          const which = report.cutoff ? `made before ${report.cutoff.toISOString()}` : 'none: RETENTION_DAYS=0 keeps them forever';
          context.out.line(`purged ${describeRemoved(report)} (decisions ${which}; idempotency keys older than ${hours} h)`);
          return EXIT.ok;
        });
      },
    },
    {
      name: 'erase',
      summary: "delete every decision of one person (GDPR art. 17), by phone number or subjectId",
      positionals: { min: 0, max: 0 },
      json: true,
      options: {
        'phone-number': { type: 'string', value: '<E.164>', description: 'the line, e.g. +34611000001' },
        'subject-id': { type: 'string', value: '<id>', description: "the caller's subjectId" },
      },
      notes: ['Give exactly one of --phone-number and --subject-id. With --json: {"decisions", "idempotencyKeys"}.'],
      run: ({ values }, context) => {
        const request = erasureRequest(text(values, 'phone-number'), text(values, 'subject-id'));
        return withPrivacy(context, async (privacy) => {
          const removed = await privacy.erase(request, 'the privacy CLI');
          context.out.line(context.json ? JSON.stringify({ decisions: removed.decisions, idempotencyKeys: removed.idempotencyKeys }) : `erased ${describeRemoved(removed)}`);
          return EXIT.ok;
        });
      },
    },
  ],
};

/** `linetrust privacy <argv>`, as `npm run privacy -- <argv>` runs it. */
export function runPrivacyCli(argv: string[], out: CliOutput, env: CliEnv = process.env, clock: Clock = new SystemClock()): Promise<number> {
  return runCli(['privacy', ...argv], out, env, clock);
}
