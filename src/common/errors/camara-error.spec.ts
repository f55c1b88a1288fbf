import { HttpException } from '@nestjs/common';
import { errorCodes } from 'fastify';
import { fastifyErrorMessage, toCamaraError } from './camara-error';
import { UnsupportedMediaTypeError } from './domain.error';

const SEND_JSON = 'Send the body as JSON, with Content-Type: application/json.';

describe('toCamaraError: 415', () => {
  it("says which content type to send for Fastify's own 415, as Nest hands it over (message only)", () => {
    expect(toCamaraError(new HttpException('Unsupported Media Type', 415)).body).toEqual({ status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: SEND_JSON });
    expect(fastifyErrorMessage(new errorCodes.FST_ERR_CTP_INVALID_MEDIA_TYPE())).toBe(SEND_JSON);
  });

  it('keeps the precise message of our own refusal', () => {
    const error = new UnsupportedMediaTypeError(`The request has no Content-Type. ${SEND_JSON}`);
    expect(toCamaraError(error)).toEqual({ body: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: error.message }, expected: true });
  });
});
