import { WriteAttempt } from '../common/batching/write-attempt';
import { SqliteBatchSender } from './sqlite-batch-sender';
import { isPrimaryWrittenMessage, PrimaryWriteMessage, WriterRequest } from './sqlite-write-requests';

/** The IPC channel to the cluster's primary, narrowed to what the writer uses (tests give their own). */
export interface PrimaryChannel {
  connected(): boolean;
  send(message: PrimaryWriteMessage, callback: (error: Error | null) => void): void;
  /** Listens to the primary's messages and to the channel's end; returns the way to stop. */
  listen(onMessage: (message: unknown) => void, onDisconnect: () => void): () => void;
}

/** The worker process's own channel to its primary. */
export function processChannel(): PrimaryChannel {
  return {
    connected: () => process.connected,
    send: (message, callback) => process.send?.(message, undefined, undefined, callback),
    listen(onMessage, onDisconnect) {
      process.on('message', onMessage).on('disconnect', onDisconnect);
      return () => process.off('message', onMessage).off('disconnect', onDisconnect);
    },
  };
}

/** Set by the primary in its workers' environment when it writes for them (see PrimaryWriteServer). */
export const WRITES_VIA_PRIMARY_ENV = 'LINETRUST_WRITES_VIA_PRIMARY';

/**
 * A worker's decision-path writes, sent to the cluster's primary (PrimaryWriteServer) instead
 * of a writer thread of its own. The primary cannot see the attempt's state, so a write sent
 * can no longer be called off here (WriteAttempt.handedOver()): at the deadline, the decision
 * waits for the primary's reply, which says whether it committed. If the primary goes away, the
 * writes it held fail with an error that is not the deadline's (they may have committed).
 */
export class WritesViaPrimary extends SqliteBatchSender {
  private readonly unlisten: () => void;

  constructor(private readonly channel: PrimaryChannel) {
    super();
    this.unlisten = channel.listen(
      (message) => {
        if (isPrimaryWrittenMessage(message)) this.replied(message.reply);
      },
      () => this.lostAll(new Error('the cluster primary is gone; the outcome of the writes sent to it is unknown')),
    );
  }

  /** Nothing to start: the primary opened its connection before it forked this worker. */
  warmUp(): void {}

  close(): Promise<void> {
    this.closing ??= this.whenIdle().then(this.unlisten);
    return this.closing;
  }

  protected post(request: WriterRequest, attempt: WriteAttempt): void {
    if (!this.channel.connected()) throw new Error('the cluster primary is gone; nothing was sent to it');
    attempt.handedOver();
    this.channel.send({ linetrust: 'write', request }, (error) => {
      if (error) this.replied({ id: request.id, error: { message: `the write could not reach the cluster primary: ${error.message}`, deadline: false } });
    });
  }
}
