// `npm run policy -- publish <file>` and `activate <policyId> <version>`: the fleet's policies
// (POLICY_SOURCE=database), on the database of DATABASE_URL directly, like `npm run keys`.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { SystemClock } from '../common/time/clock';
import { validateConfig } from '../config/app-config';
import { ActivePolicyRepository } from '../policies/active-policy.repository';
import { PolicyPublisher, PolicyPublishRefusedError } from '../policies/policy-publisher';
import { PrismaService } from '../prisma/prisma.service';
import { readCaseFile } from '../scoring/policy-cases';
import { policyIdOf } from '../scoring/policy-loader';
import { CliOutput } from './cli-io';

/** Exit codes as the rest of the policy CLI: 0 done, 1 a case failed or no such version, 2 invalid or unreadable. */
async function withPublisher(env: Record<string, string | undefined>, work: (publisher: PolicyPublisher) => Promise<number>): Promise<number> {
  const prisma = new PrismaService(validateConfig(env));
  await prisma.onModuleInit();
  try {
    return await work(new PolicyPublisher(new ActivePolicyRepository(prisma), new SystemClock()));
  } finally {
    await prisma.onModuleDestroy();
  }
}

/** Publishes a policy file's exact text, after its `<id>.cases.json` (beside it, if any) passes. */
export async function publishCommand(args: string[], out: CliOutput, env: Record<string, string | undefined> = process.env): Promise<number> {
  const file = resolve(args[0]);
  const id = policyIdOf(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    out.error(`cannot read ${file}: ${(error as Error).message}`);
    return 2;
  }
  const caseFile = join(dirname(file), `${id}.cases.json`);
  const cases = existsSync(caseFile) ? readCaseFile(caseFile) : undefined;
  if (!cases) out.line(`no ${basename(caseFile)} beside it: published without running cases`);
  return withPublisher(env, async (publisher) => {
    try {
      const published = await publisher.publish(id, text, cases, 'cli');
      out.line(`published ${published.policyId} version ${published.version}: active for the fleet (revision ${published.revision})`);
      return 0;
    } catch (error) {
      if (!(error instanceof PolicyPublishRefusedError)) throw error;
      out.error(`refused ${file}, nothing changed:`);
      for (const problem of error.problems) out.error(`    ${problem.path}: ${problem.message}`);
      return error.problems.some((problem) => problem.path.startsWith('cases')) ? 1 : 2;
    }
  });
}

/** Makes a stored version the fleet's active one again (a rollback). */
export async function activateCommand(args: string[], out: CliOutput, env: Record<string, string | undefined> = process.env): Promise<number> {
  const [policyId, version] = args;
  return withPublisher(env, async (publisher) => {
    const activated = await publisher.activate(policyId, version, 'cli').catch((error: Error) => error);
    if (activated instanceof Error) {
      out.error(activated.message);
      return 1;
    }
    out.line(`activated ${activated.policyId} version ${activated.version} for the fleet (revision ${activated.revision})`);
    return 0;
  });
}
