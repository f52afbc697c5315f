// The admin API client. The bearer token is entered once and kept in this tab's
// sessionStorage (gone when the tab closes). Errors are RFC 9457 problems; a 404 with code
// route_not_found means the endpoint does not exist on this server (a feature not deployed),
// which pages show as "not available" instead of failing.
const tokenKey = 'tiernet.adminToken';
const listeners = new Set();

export function token() {
  return sessionStorage.getItem(tokenKey);
}

export function setToken(value) {
  if (value) sessionStorage.setItem(tokenKey, value);
  else sessionStorage.removeItem(tokenKey);
}

/** Called with the failing ApiError on 401/403, so the shell can ask for a token. */
export function onAuthProblem(listener) {
  listeners.add(listener);
}

export class ApiError extends Error {
  constructor(status, problem, path) {
    super(problem?.detail ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? null;
    this.code = problem?.code ?? `http_${status}`;
    this.path = path;
  }

  get notAvailable() {
    return this.status === 404 && this.code === 'route_not_found';
  }
}

export async function api(path, { method = 'GET', body, signal } = {}) {
  const headers = { accept: 'application/json' };
  const bearer = token();
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    throw new ApiError(0, { code: 'network', detail: `cannot reach the server (${error?.message ?? error})` }, path);
  }
  const text = await response.text();
  let parsed = null;
  if (text !== '') {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  if (!response.ok) {
    const error = new ApiError(response.status, parsed, path);
    if (response.status === 401 || response.status === 403) for (const listener of listeners) listener(error);
    throw error;
  }
  return parsed;
}

/** GET that answers null when the endpoint is not deployed (route_not_found). */
export async function optional(path, options) {
  try {
    return await api(path, options);
  } catch (error) {
    if (error instanceof ApiError && error.notAvailable) return null;
    throw error;
  }
}

export function query(parameters) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters))
    if (value !== null && value !== undefined && value !== '') search.set(name, String(value));
  const text = search.toString();
  return text === '' ? '' : `?${text}`;
}

export const enc = encodeURIComponent;
