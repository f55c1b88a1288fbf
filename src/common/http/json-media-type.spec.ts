import { contentTypeProblem, SEND_JSON } from './json-media-type';

describe('contentTypeProblem', () => {
  it.each(['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset="UTF-8"', 'application/json; charset=utf8', 'application/json; boundary=x'])(
    'accepts %j',
    (header) => {
      expect(contentTypeProblem(header)).toBeUndefined();
    },
  );

  it.each([
    [undefined, `The request has no Content-Type. ${SEND_JSON}`],
    ['', `The request has no Content-Type. ${SEND_JSON}`],
    ['; charset=utf-8', `The request has no Content-Type. ${SEND_JSON}`],
    ['text/plain', `Content-Type text/plain is not accepted. ${SEND_JSON}`],
    ['application/x-www-form-urlencoded', `Content-Type application/x-www-form-urlencoded is not accepted. ${SEND_JSON}`],
    ['application/merge-patch+json', `Content-Type application/merge-patch+json is not accepted. ${SEND_JSON}`],
    ['application/json; charset=latin1', 'charset latin1 is not accepted: JSON is UTF-8. Send Content-Type: application/json (or application/json; charset=utf-8).'],
    [`application/${'x'.repeat(100)}`, `Content-Type application/${'x'.repeat(52)}... is not accepted. ${SEND_JSON}`],
  ])('refuses %j, saying what to send', (header, message) => {
    expect(contentTypeProblem(header)).toBe(message);
  });
});
