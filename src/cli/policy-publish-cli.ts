// `linetrust policy publish <file>` and `activate <policyId> <version>`: the fleet's policies
// (POLICY_SOURCE=database), on the database of DATABASE_URL directly, like `linetrust keys`.
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { validateConfig } from '../config/app-config';
import { ActivePolicyRepository } from '../policies/active-policy.repository';
import { PolicyPublisher, PolicyPublishRefusedError } from '../policies/policy-publisher';
import { PrismaService } from '../prisma/prisma.service';
import { readCaseFile } from '../scoring/policy-cases';
import { policyIdOf } from '../scoring/policy-loader';
import { CliContext, CommandSpec, EXIT } from './command';

/** Exit codes as the rest of the policy CLI: 0 done, 1 a case failed or no such version, 2 invalid or unreadable. */
async function withPublisher(context: CliContext, work: (publisher: PolicyPublisher) => Promise<number>): Promise<number> {
  const prisma = new PrismaService(validateConfig(context.env));
  await prisma.onModuleInit();
  try {
    return await work(new PolicyPublisher(new ActivePolicyRepository(prisma), context.clock));
  } finally {
    await prisma.onModuleDestroy();
  }
}

interface Published {
  policyId: string;
  version: string;
  revision: number;
}

const summary = (published: Published) => JSON.stringify({ policyId: published.policyId, version: published.version, revision: published.revision });

/** Publishes a policy file's exact text, after its `<id>.cases.json` (beside it, if any) passes. */
async function publish(fileArg: string, context: CliContext): Promise<number> {
  const file = resolve(fileArg);
  const id = policyIdOf(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    context.out.error(`cannot read ${file}: ${(error as Error).message}`);
    return EXIT.invalidFile;
  }
  const caseFile = join(dirname(file), `${id}.cases.json`);
  const cases = existsSync(caseFile) ? readCaseFile(caseFile) : undefined;
  if (!cases) context.out.error(`no ${basename(caseFile)} beside it: published without running cases`);
  return withPublisher(context, async (publisher) => {
    try {
      const published = await publisher.publish(id, text, cases, 'cli');
      context.out.line(context.json ? summary(published) : `published ${published.policyId} version ${published.version}: active for the fleet (revision ${published.revision})`);
      return EXIT.ok;
    } catch (error) {
      if (!(error instanceof PolicyPublishRefusedError)) throw error;
      context.out.error(`refused ${file}, nothing changed:`);
      for (const problem of error.problems) context.out.error(`    ${problem.path}: ${problem.message}`);
      return error.problems.some((problem) => problem.path.startsWith('cases')) ? EXIT.failed : EXIT.invalidFile;
    }
  });
}

/** Makes a stored version the fleet's active one again (a rollback). */
async function activate(policyId: string, version: string, context: CliContext): Promise<number> {
  return withPublisher(context, async (publisher) => {
    const activated = await publisher.activate(policyId, version, 'cli').catch((error: Error) => error);
    if (activated instanceof Error) {
      context.out.error(activated.message);
      return EXIT.failed;
    }
    context.out.line(context.json ? summary(activated) : `activated ${activated.policyId} version ${activated.version} for the fleet (revision ${activated.revision})`);
    return EXIT.ok;
  });
}

export const publishCommand: CommandSpec = {
  name: 'publish',
  summary: 'validate, run its cases, store and activate a policy for the fleet (POLICY_SOURCE=database)',
  args: '<file>',
  positionals: { min: 1, max: 1 },
  json: true,
  options: {},
  notes: ["Runs <id>.cases.json beside the file first, if there is one. Exit 1 when a case fails, 2 when the file is invalid.", 'With --json: {"policyId", "version", "revision"}.'],
  run: ({ positionals }, context) => publish(positionals[0], context),
};

export const activateCommand: CommandSpec = {
  name: 'activate',
  summary: "make a stored version the fleet's active one again (a rollback)",
  args: '<policyId> <version>',
  positionals: { min: 2, max: 2 },
  json: true,
  options: {},
  notes: ['Exit 1 when there is no such version. With --json: {"policyId", "version", "revision"}.'],
  run: ({ positionals }, context) => activate(positionals[0], positionals[1], context),
};
