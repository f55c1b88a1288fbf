// `npm run privacy -- purge [--older-than-days N] | erase --phone-number <E.164> | erase --subject-id <id>`
// Works on the database of DATABASE_URL directly: a purge from cron when the service runs with
// RETENTION_INTERVAL_MINUTES=0, an erasure when no admin key is at hand.
// Exit codes: 0 done, 64 usage, 1 failed.
import { PHONE_NUMBER_PATTERN } from '../common/phone/phone-number';
import { Clock, SystemClock } from '../common/time/clock';
import { validateConfig } from '../config/app-config';
import { PrismaService } from '../prisma/prisma.service';
import { PrivacyRepository } from '../privacy/privacy.repository';
import { describeRemoved, ErasureRequest, PrivacyService } from '../privacy/privacy.service';
import { CliOutput } from './cli-io';

const USAGE =
  'usage: npm run privacy -- purge [--older-than-days <days>]\n' +
  '       npm run privacy -- erase --phone-number <E.164> | --subject-id <id>';

type Command = { command: 'purge'; olderThanDays?: number } | { command: 'erase'; request: ErasureRequest };

/** Reads the arguments; undefined for anything but a well-formed command. */
function parse(argv: string[]): Command | undefined {
  const [command, ...args] = argv;
  const options = new Map<string, string>();
  for (let at = 0; at < args.length; at += 2) {
    const [name, value] = [args[at], args[at + 1]];
    if (!name.startsWith('--') || value === undefined || options.has(name)) return undefined;
    options.set(name, value);
  }
  if (command === 'purge') {
    const days = options.get('--older-than-days');
    if ([...options.keys()].some((name) => name !== '--older-than-days')) return undefined;
    if (days === undefined) return { command };
    // At least one day: 0 would delete every decision up to this second.
    return /^[1-9]\d{0,4}$/.test(days) ? { command, olderThanDays: Number(days) } : undefined;
  }
  if (command === 'erase' && options.size === 1) {
    const phoneNumber = options.get('--phone-number');
    const subjectId = options.get('--subject-id');
    if (phoneNumber !== undefined && PHONE_NUMBER_PATTERN.test(phoneNumber)) return { command, request: { phoneNumber } };
    if (subjectId !== undefined && subjectId.length > 0 && subjectId.length <= 128) return { command, request: { subjectId } };
  }
  return undefined;
}

/** Runs one command; resolves to the exit code. */
export async function runPrivacyCli(
  argv: string[],
  out: CliOutput,
  env: Record<string, string | undefined> = process.env,
  clock: Clock = new SystemClock(),
): Promise<number> {
  const parsed = parse(argv);
  if (!parsed) {
    out.error(USAGE);
    return 64;
  }
  let prisma: PrismaService | undefined;
  try {
    const config = validateConfig(env);
    prisma = new PrismaService(config);
    await prisma.onModuleInit();
    const privacy = new PrivacyService(new PrivacyRepository(prisma), clock, config);
    if (parsed.command === 'purge') {
      const report = await privacy.purge(clock.now(), { olderThanDays: parsed.olderThanDays });
      const which = report.cutoff ? `made before ${report.cutoff.toISOString()}` : 'none: RETENTION_DAYS=0 keeps them forever';
      out.line(`purged ${describeRemoved(report)} (decisions ${which}; idempotency keys older than ${config.IDEMPOTENCY_TTL_HOURS} h)`);
    } else {
      out.line(`erased ${describeRemoved(await privacy.erase(parsed.request, 'the privacy CLI'))}`);
    }
    return 0;
  } catch (error) {
    out.error((error as Error).message);
    return 1;
  } finally {
    await prisma?.onModuleDestroy();
  }
}
