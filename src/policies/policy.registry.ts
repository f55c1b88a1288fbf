import { existsSync, FSWatcher, readdirSync, watch } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InvalidArgumentError, NotFoundError } from '../common/errors/domain.error';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { CompiledPolicy } from '../scoring/compiled-policy';
import { PolicyInvalidError, PolicyProblem } from '../scoring/policy-invalid.error';
import { CANDIDATE_FILE, loadPolicyFile, loadPolicyFolder, POLICY_FILE, POLICY_ID } from '../scoring/policy-loader';
import { validatePolicyText } from '../scoring/policy-validator';
import { ActivePolicyRepository, ActivePolicyRow } from './active-policy.repository';
import { PolicyChangeFeed } from './policy-change.feed';
import { PolicyVersionRepository } from './policy-version.repository';

/** A policy file change that was refused: the last good version keeps serving. */
export interface PolicyRefusal {
  file: string;
  at: string;
  problems: PolicyProblem[];
}

/** What came of a changed policy or candidate file: a new version took effect, or it was refused. */
export type PolicyReloadResult = 'applied' | 'refused';

/** Database mode: the fleet's active version of a use case, and what this instance runs. */
export interface FleetPolicyState {
  id: string;
  /** The version this instance decides with (null: none could be loaded). */
  running: string | null;
  active: ActivePolicyRow;
  /** Since when `running` differs from the fleet's active version (this instance's clock). */
  mismatchSince?: Date;
}

/** Editors save in several steps (truncate, write, rename): wait for the file to settle. */
const SETTLE_MS = 150;
/** What a client sees of a failure that is not the policy's fault: the detail is in the log. */
const STORAGE_FAILURE = 'the version could not be stored or read (details in the service log); the previous version, if any, keeps serving';

/**
 * The loaded policies, one per use case. A broken policy file stops start-up. After that,
 * changes in the rules folder are picked up without a restart: a changed file is validated
 * first and swapped in whole; a broken one is refused (logged, and listed by GET /v1/policies)
 * while the last good version keeps serving. A decision holds the CompiledPolicy it started
 * with, so decisions in flight finish on their version.
 *
 * With POLICY_SOURCE=database the ActivePolicy table decides instead, for the whole fleet:
 * RULES_DIR only seeds the use cases it lacks, nothing watches the folder, and each instance
 * switches to the version the table names when PolicyChangeFeed says it may have changed.
 * Shadow candidates stay file-based, read from RULES_DIR at start-up.
 */
@Injectable()
export class PolicyRegistry implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(PolicyRegistry.name);
  private policies = new Map<string, CompiledPolicy>();
  private candidates = new Map<string, CompiledPolicy>();
  private readonly refusals = new Map<string, PolicyRefusal>();
  private watcher?: FSWatcher;
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private waiters: (() => void)[] = [];
  private readonly reloading = new Map<string, Promise<void>>();
  private readonly reloadListeners: ((file: string, result: PolicyReloadResult) => void)[] = [];
  private fleet = new Map<string, ActivePolicyRow>();
  private readonly mismatchSince = new Map<string, Date>();
  /** The last fleet version that failed to load, per use case: not retried at every poll. */
  private readonly failedVersion = new Map<string, string>();
  private syncing?: Promise<void>;
  private syncAgain = false;

  constructor(
    private readonly config: AppConfig,
    private readonly versions: PolicyVersionRepository,
    private readonly actives: ActivePolicyRepository,
    private readonly feed: PolicyChangeFeed,
    private readonly clock: Clock,
  ) {}

  get source(): 'files' | 'database' {
    return this.config.POLICY_SOURCE;
  }

  async onModuleInit(): Promise<void> {
    const seeds = loadPolicyFolder(this.config.RULES_DIR);
    // Stored before the first decision: every version that can decide is on record.
    await Promise.all([...seeds.values()].map((policy) => this.store(policy)));
    if (this.source === 'database') {
      await this.seed(seeds);
      await this.sync();
      await this.feed.start(() => void this.sync().catch((error: Error) => this.logger.warn(`cannot read the active policies: ${error.message}`)));
    } else {
      this.policies = seeds;
      for (const policy of this.policies.values()) this.logLoaded(policy, 'loaded');
    }
    // A broken candidate must not stop the service: it is refused like a broken reload.
    const candidates = readdirSync(this.config.RULES_DIR).filter((name) => CANDIDATE_FILE.test(name));
    for (const name of candidates) await this.reload(join(this.config.RULES_DIR, name));
    if (this.config.POLICY_RELOAD && this.source === 'files') {
      this.watcher = watch(this.config.RULES_DIR, (_event, name) => {
        if (name && (POLICY_FILE.test(name) || CANDIDATE_FILE.test(name))) this.schedule(join(this.config.RULES_DIR, name));
      });
      this.watcher.unref();
    }
  }

  /** The candidate policy running in shadow for a use case, if any. */
  candidate(useCase: string): CompiledPolicy | undefined {
    return this.candidates.get(useCase);
  }

  onModuleDestroy(): void {
    this.watcher?.close();
    for (const timer of this.pending.values()) clearTimeout(timer);
  }

  list(): CompiledPolicy[] {
    return [...this.policies.values()];
  }

  refused(): PolicyRefusal[] {
    return [...this.refusals.values()];
  }

  /** The policy of a use case; an unknown use case is the caller's error, naming the field. */
  get(useCase: string): CompiledPolicy {
    const policy = this.policies.get(useCase);
    if (!policy) {
      throw new InvalidArgumentError(`useCase must be one of ${[...this.policies.keys()].join(', ')} (got "${useCase}")`);
    }
    return policy;
  }

  /** The active policy with this id, for routes naming a policy: an unknown id is a 404. */
  requireActive(id: string): CompiledPolicy {
    const policy = POLICY_ID.test(id) ? this.policies.get(id) : undefined;
    // Only a well-formed id is echoed back in a message.
    if (!policy) throw new NotFoundError(POLICY_ID.test(id) ? `policy ${id} not found` : 'policy not found');
    return policy;
  }

  /** Resolves after the next reload attempt (applied or refused): for tests and tooling. */
  nextReload(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Validates `file` and swaps it in, or refuses it. Public for tests and a future admin call. */
  reload(file: string): Promise<void> {
    // One reload per file at a time, in order: a slow version write of an older save must not
    // swap in after a newer one.
    const previous = this.reloading.get(file) ?? Promise.resolve();
    const next = previous.then(() => (CANDIDATE_FILE.test(basename(file)) ? this.reloadCandidate(file) : this.reloadActive(file)));
    this.reloading.set(file, next);
    void next.finally(() => {
      if (this.reloading.get(file) === next) this.reloading.delete(file);
    });
    return next;
  }

  private async reloadActive(file: string): Promise<void> {
    const id = basename(file, '.json');
    try {
      const policy = loadPolicyFile(file);
      const current = this.policies.get(id);
      this.refusals.delete(file);
      if (current?.version !== policy.version) {
        await this.store(policy);
        // A new Map: readers see the old one or the new one, never a half-updated one.
        this.policies = new Map(this.policies).set(policy.id, policy);
        this.reloaded(file, 'applied');
        this.logLoaded(policy, current ? `reloaded (was ${current.version})` : 'added');
        // A candidate saved before its policy existed was ignored: it can run now.
        const candidateFile = join(dirname(file), `${policy.id}.candidate.json`);
        if (!current && existsSync(candidateFile)) void this.reload(candidateFile);
      }
    } catch (error) {
      const problems = this.refuse(file, error);
      const serving = this.policies.get(id);
      this.logger.warn(
        `refused ${file}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}` +
          (serving ? ` (version ${serving.version} keeps serving)` : ''),
      );
    } finally {
      this.notify();
    }
  }

  /**
   * A candidate runs in shadow: its outcome is stored with each decision, never answered.
   * Removing its file stops the shadow run; a broken one is refused and the previous one
   * (if any) keeps running.
   */
  private async reloadCandidate(file: string): Promise<void> {
    const id = basename(file, '.candidate.json');
    try {
      if (!existsSync(file)) {
        if (this.candidates.delete(id)) this.logger.log(`shadow candidate for ${id} removed`);
        this.refusals.delete(file);
        return;
      }
      const candidate = loadPolicyFile(file);
      this.refusals.delete(file);
      if (!this.policies.has(id)) {
        this.logger.warn(`shadow candidate ${file} ignored: there is no active policy ${id}`);
        return;
      }
      if (this.candidates.get(id)?.version !== candidate.version) {
        await this.store(candidate);
        this.candidates = new Map(this.candidates).set(id, candidate);
        this.reloaded(file, 'applied');
        this.logLoaded(candidate, 'running in shadow');
      }
    } catch (error) {
      const problems = this.refuse(file, error);
      this.logger.warn(`refused shadow candidate ${file}: ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
    } finally {
      this.notify();
    }
  }

  /**
   * Records why a file was refused (shown by GET /v1/policies) and returns the problems. Only a
   * policy's own problems are shown: a database failure's text (the query, server paths) goes
   * to the log.
   */
  private refuse(file: string, error: unknown): PolicyProblem[] {
    if (!(error instanceof PolicyInvalidError)) this.logger.error(`policy ${file}: ${(error as Error).message}`, (error as Error).stack);
    const problems = error instanceof PolicyInvalidError ? error.problems : [{ path: '$', message: STORAGE_FAILURE }];
    this.refusals.set(file, { file, at: this.clock.now().toISOString(), problems });
    this.reloaded(file, 'refused');
    return problems;
  }

  /** Hears each reload that took effect or was refused (metrics), with the file's path. */
  onReload(listener: (file: string, result: PolicyReloadResult) => void): void {
    this.reloadListeners.push(listener);
  }

  private reloaded(file: string, result: PolicyReloadResult): void {
    for (const listener of this.reloadListeners) listener(file, result);
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  private schedule(file: string): void {
    clearTimeout(this.pending.get(file));
    const timer = setTimeout(() => {
      this.pending.delete(file);
      void this.reload(file);
    }, SETTLE_MS);
    timer.unref();
    this.pending.set(file, timer);
  }

  /** Database mode: the fleet's active version of each use case beside what this instance runs. */
  fleetStates(): FleetPolicyState[] {
    return [...this.fleet.values()].map((active) => ({
      id: active.policyId,
      running: this.policies.get(active.policyId)?.version ?? null,
      active,
      mismatchSince: this.mismatchSince.get(active.policyId),
    }));
  }

  /**
   * Database mode: reads the active policies and switches to any that changed. One read at a
   * time; a request made meanwhile runs once more after it, so no change is left unseen.
   */
  sync(): Promise<void> {
    if (this.syncing) {
      this.syncAgain = true;
      return this.syncing;
    }
    const run = async () => {
      do {
        this.syncAgain = false;
        await this.syncOnce();
      } while (this.syncAgain);
    };
    this.syncing = run().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  /** Gives each use case RULES_DIR has and the table lacks its file's version (revision 1). */
  private async seed(seeds: Map<string, CompiledPolicy>): Promise<void> {
    const at = this.clock.now();
    for (const policy of seeds.values()) {
      if (await this.actives.seed(policy.id, policy.version, at)) this.logLoaded(policy, `seeded from ${basename(policy.file)} as the fleet's active version (revision 1)`);
    }
  }

  private async syncOnce(): Promise<void> {
    const rows = await this.actives.list();
    this.fleet = new Map(rows.map((row) => [row.policyId, row]));
    for (const row of rows) {
      const current = this.policies.get(row.policyId);
      if (current?.version !== row.version && this.failedVersion.get(row.policyId) !== row.version) await this.switchTo(row, current);
      if (this.policies.get(row.policyId)?.version === row.version) this.mismatchSince.delete(row.policyId);
      else if (!this.mismatchSince.has(row.policyId)) this.mismatchSince.set(row.policyId, this.clock.now());
    }
  }

  /** Loads the fleet's active version of a use case from PolicyVersion and serves it, or refuses it. */
  private async switchTo(row: ActivePolicyRow, current: CompiledPolicy | undefined): Promise<void> {
    // A nominal file beside the seeds: the validator checks the id against it, candidates sit beside it.
    const file = join(this.config.RULES_DIR, `${row.policyId}.json`);
    try {
      const stored = await this.versions.find(row.policyId, row.version);
      if (!stored) throw new PolicyInvalidError(basename(file), [{ path: '$', message: `version ${row.version} is not stored` }]);
      const policy = new CompiledPolicy(validatePolicyText(stored.content, file), file, stored.content);
      this.policies = new Map(this.policies).set(policy.id, policy);
      this.failedVersion.delete(row.policyId);
      this.refusals.delete(file);
      this.reloaded(file, 'applied');
      this.logLoaded(policy, `active (revision ${row.revision}, by ${row.activatedBy}${current ? `; was ${current.version}` : ''})`);
    } catch (error) {
      // A broken version stays broken; a storage failure is tried again at the next poll.
      if (error instanceof PolicyInvalidError) this.failedVersion.set(row.policyId, row.version);
      const problems = this.refuse(file, error);
      this.logger.warn(
        `cannot serve policy ${row.policyId} version ${row.version} (revision ${row.revision}): ${problems.map((p) => `${p.path}: ${p.message}`).join('; ')}` +
          (current ? ` (version ${current.version} keeps serving)` : ''),
      );
    }
  }

  private store(policy: CompiledPolicy): Promise<void> {
    return this.versions.record(policy.id, policy.version, policy.text, this.clock.now());
  }

  private logLoaded(policy: CompiledPolicy, what: string): void {
    this.logger.log(`policy ${policy.id} version ${policy.version} ${what}: ${policy.ruleNames.length} rules`);
  }
}
