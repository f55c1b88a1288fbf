import { setTimeout as delay } from 'node:timers/promises';
import type { LoggerService } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FAULT_ERROR_CODES, SandboxFaults, SandboxOperationId } from '../signals/sandbox/line-dataset';
import { sendCamaraError } from '../common/http/camara-reply';

export interface ChosenFault {
  faults: SandboxFaults;
  source: 'line' | 'global';
}

/** Faults that do something (`{}` or `{ drop: false }` do not) and name this operation, or none. */
const strikes = (faults: SandboxFaults | undefined, operation: SandboxOperationId): faults is SandboxFaults =>
  faults !== undefined &&
  ((faults.latencyMs ?? 0) > 0 || faults.status !== undefined || faults.drop === true) &&
  (!faults.apis || faults.apis.some((api) => api === operation || api === operation.split(':')[0]));

/**
 * Misbehaves on purpose, once a request is authenticated, valid and its line known: the point
 * where a real gateway would call its backend. A line's faults replace the global ones for the
 * operations they target, so one line can fail while the others answer.
 */
export class FaultInjector {
  private readonly closing = new AbortController();

  constructor(
    private readonly globalFaults: SandboxFaults | undefined,
    private readonly random: () => number,
    private readonly logger: LoggerService,
  ) {}

  /** The fault this request suffers, if any (its rate drawn here). */
  choose(operation: SandboxOperationId, lineFaults: SandboxFaults | undefined): ChosenFault | undefined {
    const chosen: ChosenFault | undefined = strikes(lineFaults, operation)
      ? { faults: lineFaults, source: 'line' }
      : strikes(this.globalFaults, operation)
        ? { faults: this.globalFaults, source: 'global' }
        : undefined;
    if (!chosen) return undefined;
    const rate = chosen.faults.rate ?? 1;
    return rate >= 1 || this.random() < rate ? chosen : undefined;
  }

  /**
   * Applies the fault: the latency, then the drop or the error. True when the request has been
   * answered (or dropped) here; false when, after its latency, it should be answered normally.
   */
  async apply(chosen: ChosenFault, operation: SandboxOperationId, request: FastifyRequest, reply: FastifyReply): Promise<boolean> {
    const { latencyMs = 0, drop = false, status, code, retryAfterS } = chosen.faults;
    const errorCode = status === undefined ? undefined : (code ?? FAULT_ERROR_CODES[status][0]);
    const effects = [
      latencyMs > 0 ? `latency ${latencyMs} ms` : undefined,
      drop ? 'dropped connection' : undefined,
      errorCode ? `${status} ${errorCode}${retryAfterS === undefined ? '' : ` (Retry-After ${retryAfterS} s)`}` : undefined,
    ].filter((effect) => effect !== undefined);
    this.logger.log(`fault on ${operation} (${chosen.source}): ${effects.join(', then ')}`, 'SandboxFaults');

    if (latencyMs > 0) {
      try {
        await delay(latencyMs, undefined, { signal: this.closing.signal });
      } catch {
        // The server is closing: do not hold it open for the rest of the latency.
        dropConnection(request, reply);
        return true;
      }
    }
    if (drop) {
      dropConnection(request, reply);
      return true;
    }
    if (status !== undefined && errorCode !== undefined) {
      if (retryAfterS !== undefined) void reply.header('retry-after', String(retryAfterS));
      void sendCamaraError(reply, status, errorCode, `Sandbox fault: ${status} ${errorCode}, injected on purpose.`);
      return true;
    }
    return false;
  }

  /** Ends every pending latency (at server close): those connections are dropped at once. */
  abortPending(): void {
    this.closing.abort();
  }
}

/** Closes the socket without a byte of answer, as a crashed gateway or a reset would. */
function dropConnection(request: FastifyRequest, reply: FastifyReply): void {
  reply.hijack();
  request.raw.socket.destroy();
}
