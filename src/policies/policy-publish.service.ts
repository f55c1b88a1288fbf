import { Injectable } from '@nestjs/common';
import { Principal } from '../auth/scopes';
import { ConflictError } from '../common/errors/domain.error';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { ActivePolicyRepository } from './active-policy.repository';
import { PolicyActivation, PolicyPublisher } from './policy-publisher';
import { PolicyRegistry } from './policy.registry';

/** The API's side of publishing: database mode only, recorded as the calling key, served here at once. */
@Injectable()
export class PolicyPublishService {
  private readonly publisher: PolicyPublisher;

  constructor(
    private readonly config: AppConfig,
    private readonly registry: PolicyRegistry,
    actives: ActivePolicyRepository,
    clock: Clock,
  ) {
    this.publisher = new PolicyPublisher(actives, clock);
  }

  /**
   * The API stores the document as formatted JSON (two-space indent): its version is the hash
   * of that text. The CLI publishes a file's exact text instead.
   */
  async publish(id: string, body: { policy: object; cases?: object }, caller: Principal): Promise<PolicyActivation> {
    this.requireDatabaseSource();
    const activation = await this.publisher.publish(id, `${JSON.stringify(body.policy, null, 2)}\n`, body.cases, `key:${caller.keyId}`);
    // This instance serves it before answering; the others hear of it (NOTIFY or their poll).
    await this.registry.sync();
    return activation;
  }

  async activate(id: string, version: string, caller: Principal): Promise<PolicyActivation> {
    this.requireDatabaseSource();
    const activation = await this.publisher.activate(id, version, `key:${caller.keyId}`);
    await this.registry.sync();
    return activation;
  }

  private requireDatabaseSource(): void {
    if (this.config.POLICY_SOURCE !== 'database') {
      throw new ConflictError('This service reads its policies from RULES_DIR (POLICY_SOURCE=files): change the files there, or run with POLICY_SOURCE=database to publish.');
    }
  }
}
