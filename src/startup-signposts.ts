import { INestApplication } from '@nestjs/common';
import { ApiKeyService } from './auth/api-key.service';
import { DOCS_PATH, DOCUMENT_PATH } from './docs/openapi';

/** The command that makes the first key of a fresh install (README, "Try it"). */
export const FIRST_KEY_COMMAND = 'npx linetrust keys create --label admin --scopes admin';

/**
 * What the person who just started the service needs next, for the start-up log: where the
 * explorer and the API document are (an address to open: a wildcard HOST shows as loopback),
 * and, while no key can call the API, the command that makes the first one.
 */
export async function startupSignposts(app: INestApplication): Promise<string[]> {
  const base = await app.getUrl();
  const lines = [`explorer: ${base}/explorer/`, `API document: ${base}${DOCS_PATH} (OpenAPI JSON: ${base}${DOCUMENT_PATH})`];
  // A signpost never stops the service: a database that cannot count now is said by /health/ready.
  const anyKey = await app.get(ApiKeyService).anyUsable().catch(() => true);
  if (!anyKey) {
    lines.push(`no API key yet: make the first (admin) one with \`${FIRST_KEY_COMMAND}\`; it is shown once`);
  }
  return lines;
}
