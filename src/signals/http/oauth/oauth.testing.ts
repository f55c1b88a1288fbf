import { TokenRequestError } from './oauth-endpoint';

/** Test support only (imported by *.spec.ts): the TokenRequestError a flow rejects with. */
export async function tokenFailure(promise: Promise<unknown>): Promise<TokenRequestError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TokenRequestError);
  return error as TokenRequestError;
}
