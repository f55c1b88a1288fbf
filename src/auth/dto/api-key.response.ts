import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { KEY_ID_PATTERN, KEY_IN_TEXT } from '../api-key-secret';
import { ApiKeyView } from '../api-key.service';
import { Scope, SCOPES } from '../scopes';

// Response classes for the API document; each implements the type the service returns.

@ApiSchema({ name: 'ApiKey', description: 'An API key, without its secret (which is never stored).' })
export class ApiKeyResponse implements ApiKeyView {
  @ApiProperty({ description: 'The key id: the part of the key between `lt_` and the secret.', pattern: KEY_ID_PATTERN.source, example: '0123456789abcdef' })
  id!: string;

  @ApiProperty({ description: 'Who or what uses the key.', example: 'payments-service' })
  label!: string;

  @ApiProperty({ description: 'What the key may do.', enum: SCOPES, enumName: 'Scope', isArray: true, example: ['decisions:write'] })
  scopes!: Scope[];

  @ApiProperty({ description: 'The only use cases the key may decide and read; `null` for all.', type: [String], nullable: true, example: ['p2p_recipient'] })
  useCases!: string[] | null;

  @ApiProperty({ description: 'Requests per second for this key; `null` for the configured default.', type: 'integer', nullable: true, example: 50 })
  rateLimitPerSecond!: number | null;

  @ApiProperty({ format: 'date-time', example: '2026-11-22T03:25:20.596Z' })
  createdAt!: string;

  @ApiProperty({ description: 'When it was revoked; `null` while it works.', type: 'string', format: 'date-time', nullable: true, example: null })
  revokedAt!: string | null;
}

@ApiSchema({ name: 'NewApiKey', description: 'A key just created, with its secret: shown this once, never stored.' })
export class NewApiKeyResponse extends ApiKeyResponse {
  @ApiProperty({ description: 'The key to send as `Authorization: Bearer <key>`.', pattern: `^${KEY_IN_TEXT.source}$`, example: `lt_0123456789abcdef_${'A'.repeat(43)}` })
  key!: string;
}

@ApiSchema({ name: 'ApiKeyList', description: 'Every key, revoked ones included.' })
export class ApiKeyListResponse {
  @ApiProperty({ type: [ApiKeyResponse] })
  items!: ApiKeyResponse[];
}
