import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../docs/error-responses';
import { KEY_ID_PATTERN } from './api-key-secret';
import { ApiKeyService, ApiKeyView } from './api-key.service';
import { RequireScope } from './auth.decorators';
import { ApiKeyListResponse, ApiKeyResponse, NewApiKeyResponse } from './dto/api-key.response';
import { CreateApiKeyDto } from './dto/create-api-key.dto';

@ApiTags('keys')
@Controller('v1/keys')
@RequireScope('admin')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeyService) {}

  /** Creates a key; `key` in the answer is shown this once and never stored. */
  @Post()
  @HttpCode(201)
  @ApiOperation({ operationId: 'createApiKey', summary: 'Create an API key', description: 'The answer holds the key itself (`key`): it is shown this once and never stored.' })
  @ApiCreatedResponse({ type: NewApiKeyResponse, description: 'The key, with its secret.' })
  create(@Body() body: CreateApiKeyDto): Promise<ApiKeyView & { key: string }> {
    return this.keys.create(body);
  }

  /** Every key by id and label, with its scopes and use cases; never a secret. */
  @Get()
  @ApiOperation({ operationId: 'listApiKeys', summary: 'List the API keys', description: 'Every key by id and label, with its scopes and use cases, revoked ones included; never a secret.' })
  @ApiOkResponse({ type: ApiKeyListResponse, description: 'The keys.' })
  async list(): Promise<{ items: ApiKeyView[] }> {
    return { items: await this.keys.list() };
  }

  /** Revokes a key: it stops working at once here, within API_KEY_CACHE_TTL_S on other instances. */
  @Delete(':id')
  @ApiOperation({
    operationId: 'revokeApiKey',
    summary: 'Revoke an API key',
    description: 'The key stops working at once on this instance, within `API_KEY_CACHE_TTL_S` on the others.',
  })
  @ApiParam({ name: 'id', description: 'The key id.', schema: { type: 'string', pattern: KEY_ID_PATTERN.source, example: '0123456789abcdef' } })
  @ApiOkResponse({ type: ApiKeyResponse, description: 'The key, revoked.' })
  @ApiErrors({ 404: ['No such key, or it was revoked already.', 'API key not found or already revoked'] })
  revoke(@Param('id') id: string): Promise<ApiKeyView> {
    return this.keys.revoke(id);
  }
}
