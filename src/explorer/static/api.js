// The JSON API as the connected key. The key travels in the Authorization header only, and a
// searched phone number only in a request body (POST /v1/decisions/search), never in a URL.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** A function that calls the API with `key()`; a non-2xx answer throws its CAMARA error. */
export function apiWith(key) {
  return async function api(path, { method = 'GET', body } = {}) {
    const headers = { accept: 'application/json', authorization: `Bearer ${key()}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', credentials: 'omit' });
    const text = await response.text();
    let data;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = undefined;
    }
    if (!response.ok) throw new ApiError(response.status, data?.code ?? 'ERROR', data?.message ?? `HTTP ${response.status}`);
    return data;
  };
}

/** What to tell the user about a failed call. */
export function explain(error) {
  if (!(error instanceof ApiError)) return `The service could not be reached (${error.message}).`;
  if (error.status === 401) return 'The API key was not accepted (401 UNAUTHENTICATED). Check it, or create one with: npm run keys -- create --label explorer --scopes decisions:read,policies:read,cases:read,cases:write';
  if (error.status === 403) return `This API key may not do that (403 PERMISSION_DENIED): ${error.message}`;
  if (error.status === 409) return `Someone else got there first (409 CONFLICT): ${error.message}`;
  return `${error.status} ${error.code}: ${error.message}`;
}

/** `?a=1&b=2` of the defined values, or ''. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== null && value !== '') q.set(name, String(value));
  const text = q.toString();
  return text ? `?${text}` : '';
}
