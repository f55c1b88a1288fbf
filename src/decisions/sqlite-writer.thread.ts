// The decision writer's thread (see SqliteDecisionWriter): its own connection to the database
// file, the prepared statements, and one batch at a time in the order the main thread sent them.
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteWriter } from './sqlite-row-statements';
import { answerWrite, WriterRequest } from './sqlite-write-requests';

export interface WriterThreadOptions {
  file: string;
  busyTimeoutMs: number;
}

function serve(port: NonNullable<typeof parentPort>, { file, busyTimeoutMs }: WriterThreadOptions): void {
  const { db, statements } = openSqliteWriter(file, busyTimeoutMs);
  port.on('message', (request: WriterRequest) => port.postMessage(answerWrite(statements, request)));
  port.once('close', () => db.close());
}

if (parentPort) serve(parentPort, workerData as WriterThreadOptions);
