/** What every body of this API is sent as. */
export const JSON_MEDIA_TYPE = 'application/json';

/** The 415 message when nothing more precise can be said (Fastify's own refusals). */
export const SEND_JSON = `Send the body as JSON, with Content-Type: ${JSON_MEDIA_TYPE}.`;

/** A client's header as an error message may echo it: a hostile one can be kilobytes long. */
function shown(value: string): string {
  return value.length > 64 ? `${value.slice(0, 64)}...` : value;
}

/**
 * Why a request body's Content-Type is refused, or undefined when it is JSON: missing, another
 * media type (RFC 9110: compared without case), or a charset other than UTF-8 (RFC 8259 section
 * 8.1: JSON between systems is UTF-8). The message says what to send instead.
 */
export function contentTypeProblem(header: string | undefined): string | undefined {
  const [mediaType, ...parameters] = (header ?? '').split(';');
  const type = mediaType.trim().toLowerCase();
  if (type === '') return `The request has no Content-Type. ${SEND_JSON}`;
  if (type !== JSON_MEDIA_TYPE) return `Content-Type ${shown(type)} is not accepted. ${SEND_JSON}`;
  for (const parameter of parameters) {
    const [name, value = ''] = parameter.split('=');
    if (name.trim().toLowerCase() !== 'charset') continue;
    const charset = value.trim().replace(/^"(.*)"$/, '$1').toLowerCase();
    if (charset !== 'utf-8' && charset !== 'utf8') return `charset ${shown(charset)} is not accepted: JSON is UTF-8. Send Content-Type: ${JSON_MEDIA_TYPE} (or ${JSON_MEDIA_TYPE}; charset=utf-8).`;
  }
  return undefined;
}
