import { FastifyInstance } from 'fastify';
import { InvalidArgumentError, UnsupportedMediaTypeError } from '../errors/domain.error';
import { contentTypeProblem } from './json-media-type';

/**
 * The first field name that appears twice in one object of a JSON text, or undefined. JSON.parse
 * keeps the last one silently; a proxy or an audit log that keeps the first would read another
 * request than the one decided. The text must already be valid JSON (it is only scanned).
 */
export function duplicateKey(text: string): string | undefined {
  // One entry per open container: the names seen so far in an object, null for an array.
  const open: (Set<string> | null)[] = [];
  let expectingName = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (char === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      const names = open[open.length - 1];
      if (names && expectingName) {
        // Parsed, so "\u0061" and "a" are the same name.
        const name = JSON.parse(text.slice(i, end + 1)) as string;
        if (names.has(name)) return name;
        names.add(name);
        expectingName = false;
      }
      i = end;
    } else if (char === '{') {
      open.push(new Set());
      expectingName = true;
    } else if (char === '[') {
      open.push(null);
    } else if (char === '}' || char === ']') {
      open.pop();
    } else if (char === ',') {
      expectingName = open[open.length - 1] instanceof Set;
    }
  }
  return undefined;
}

/** A field name as an error message may echo it: a hostile one can be kilobytes long. */
function shown(name: string): string {
  const chars = [...name];
  return chars.length > 64 ? `${chars.slice(0, 64).join('')}...` : name;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Replaces Fastify's JSON parser with a stricter one: the body must be UTF-8 (declared or not,
 * never silently repaired), and no object may repeat a field name. Everything else is Fastify's
 * own parser (empty bodies, syntax errors, `__proto__` and `constructor.prototype` refused).
 */
export function registerStrictJsonParser(fastify: FastifyInstance): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  // As a buffer, so the body limit and the Content-Length check count bytes, not decoded text.
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    // Checked before any body is read for POST, PUT and PATCH (registerRequestGuards); a body on another method too.
    const mediaTypeProblem = contentTypeProblem(request.headers['content-type']);
    if (mediaTypeProblem) return done(new UnsupportedMediaTypeError(mediaTypeProblem), undefined);
    let text: string;
    try {
      text = utf8.decode(body as Buffer);
    } catch {
      return done(new InvalidArgumentError('The request body is not valid UTF-8.'), undefined);
    }
    void parseJson(request, text, (error, value) => {
      if (error) return done(error, undefined);
      const duplicate = duplicateKey(text);
      if (duplicate !== undefined) return done(new InvalidArgumentError(`duplicate field "${shown(duplicate)}" in the JSON body`), undefined);
      done(null, value);
    });
  });
}
