import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { KEY_ID_PATTERN } from '../api-key-secret';
import { Scope, SCOPES } from '../scopes';

@ApiSchema({ name: 'CurrentApiKey', description: 'The API key of the request, without its secret.' })
export class CurrentKeyResponse {
  @ApiProperty({ description: 'The key id: the part of the key between `lt_` and the secret.', pattern: KEY_ID_PATTERN.source, example: '0123456789abcdef' })
  id!: string;

  @ApiProperty({ description: 'Who or what uses the key.', example: 'analyst-ana' })
  label!: string;

  @ApiProperty({ description: 'What the key may do (`admin` has every scope).', enum: SCOPES, enumName: 'Scope', isArray: true, example: ['decisions:read', 'cases:read', 'cases:write'] })
  scopes!: Scope[];

  @ApiProperty({ description: 'The only use cases the key may decide and read; `null` for all.', type: [String], nullable: true, example: null })
  useCases!: string[] | null;
}
