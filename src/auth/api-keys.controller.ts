import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiKeyService, ApiKeyView } from './api-key.service';
import { RequireScope } from './auth.decorators';
import { CreateApiKeyDto } from './dto/create-api-key.dto';

@Controller('v1/keys')
@RequireScope('admin')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeyService) {}

  /** Creates a key; `key` in the answer is shown this once and never stored. */
  @Post()
  @HttpCode(201)
  create(@Body() body: CreateApiKeyDto): Promise<ApiKeyView & { key: string }> {
    return this.keys.create(body);
  }

  /** Every key by id and label, with its scopes and use cases; never a secret. */
  @Get()
  async list(): Promise<{ items: ApiKeyView[] }> {
    return { items: await this.keys.list() };
  }

  /** Revokes a key: it stops working at once here, within API_KEY_CACHE_TTL_S on other instances. */
  @Delete(':id')
  revoke(@Param('id') id: string): Promise<ApiKeyView> {
    return this.keys.revoke(id);
  }
}
