import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/auth.decorators';

/**
 * `/`, where a person who opened the service's address in a browser lands: the explorer, a
 * public page (its data needs the key typed into it). 302, not 301: a browser would keep a
 * permanent redirect of `/` for good, whatever this address serves later.
 */
@Controller()
@Public()
@ApiExcludeController()
export class RootController {
  @Get()
  root(@Res() reply: FastifyReply): void {
    void reply.redirect('/explorer/', 302);
  }
}
