import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/auth.decorators';
import { NotFoundError } from '../common/errors/domain.error';
import { PACKAGE_ROOT } from '../config/package-root';

/** Found from the package root, so the same folder serves from src/ (tests) and dist/ (built). */
const EXPLORER_DIR = join(PACKAGE_ROOT, 'src', 'explorer', 'static');

/** The only files served: a fixed list, so no request path ever reaches the file system. */
const FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'api.js': 'text/javascript; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'breakdown.js': 'text/javascript; charset=utf-8',
  'chart.js': 'text/javascript; charset=utf-8',
  'csv.js': 'text/javascript; charset=utf-8',
  'detail.js': 'text/javascript; charset=utf-8',
  'dom.js': 'text/javascript; charset=utf-8',
  'policies.js': 'text/javascript; charset=utf-8',
  'queue.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'favicon.svg': 'image/svg+xml',
};

/**
 * Scripts and styles from this origin only (no inline script, no eval), API calls to this
 * origin only, and the page may not be framed (the API key is typed into it).
 */
export const EXPLORER_CSP =
  "default-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * The decision explorer: a static page that reads the JSON API with the key the user types.
 * The page is public; everything it shows comes from the API, under that key's scopes.
 */
@Controller('explorer')
@Public()
@ApiExcludeController()
export class ExplorerController {
  /** The page's URLs are relative to the folder: `/explorer` alone would resolve them from `/`. */
  @Get()
  folder(@Res() reply: FastifyReply): void {
    void reply.redirect('/explorer/', 301);
  }

  /** `/explorer/` (the page) and `/explorer/<file>`; Nest drops a trailing slash, Fastify's wildcard keeps it. */
  @Get('*')
  asset(@Param('*') file: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    const name = file || 'index.html';
    if (!Object.hasOwn(FILES, name)) throw new NotFoundError('no such file in the explorer');
    return this.send(reply, name);
  }

  private async send(reply: FastifyReply, file: string): Promise<void> {
    const body = await readFile(join(EXPLORER_DIR, file));
    void reply
      .header('content-type', FILES[file])
      .header('cache-control', 'no-cache')
      .header('content-security-policy', EXPLORER_CSP)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer')
      .send(body);
  }
}
