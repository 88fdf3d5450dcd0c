/**
 * Calls to the server's /api/v1. The session rides in the HttpOnly `sid` cookie the login sets,
 * so download links work as plain links too. Failures become ApiError with the server's own
 * message (already "Vietnamese / English" and saying what to fix).
 */
import type { Me } from '#shared/schemas/api.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** What a person is shown when a call fails: the server's own message when there is one. */
export function errorText(err: unknown): string {
  return err instanceof ApiError ? err.message : String(err);
}

async function failure(res: Response): Promise<ApiError> {
  let code = 'HTTP_' + res.status;
  let message = `${res.status} ${res.statusText}`;
  try {
    const p = (await res.json()) as { code?: string; detail?: string };
    if (p.code) code = p.code;
    if (p.detail) message = p.detail;
  } catch {
    // not problem+json: keep the status line
  }
  return new ApiError(res.status, code, message);
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`/api/v1${path}`, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  if (!res.ok) {
    const err = await failure(res);
    // Only a lost session logs the user out; a wrong current password (also 401) is shown
    // on the form that asked for it.
    if (err.code === 'UNAUTHENTICATED') onUnauthenticated();
    throw err;
  }
  return (await res.json()) as T;
}

export const get = <T>(path: string) => api<T>('GET', path);
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, body ?? {});
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, body);

let onUnauthenticated: () => void = () => undefined;
export function whenLoggedOut(fn: () => void): void {
  onUnauthenticated = fn;
}

export async function currentUser(): Promise<Me | null> {
  const res = await fetch('/api/v1/auth/me', { credentials: 'same-origin' });
  if (res.status === 401) return null;
  if (!res.ok) throw await failure(res);
  return (await res.json()) as Me;
}

/**
 * Uploads a file as the raw request body. XMLHttpRequest, because fetch still cannot report
 * upload progress.
 */
export function uploadWithProgress<T>(
  path: string,
  file: File,
  onProgress: (fraction: number) => void,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/v1${path}`);
    xhr.withCredentials = true;
    xhr.setRequestHeader('content-type', file.type || 'application/octet-stream');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: { code?: string; detail?: string } = {};
      try {
        body = JSON.parse(xhr.responseText) as typeof body;
      } catch {
        // keep empty
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve(body as T);
      } else
        reject(
          new ApiError(
            xhr.status,
            body.code ?? `HTTP_${xhr.status}`,
            body.detail ?? `${xhr.status} ${xhr.statusText}`,
          ),
        );
    };
    xhr.onerror = () =>
      reject(new ApiError(0, 'NETWORK', 'Mất kết nối tới máy chủ. / The server could not be reached.'));
    xhr.send(file);
  });
}

export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
