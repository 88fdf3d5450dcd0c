/**
 * Calls to the server's /api/v1. The session rides in the HttpOnly `sid` cookie the login sets,
 * so download links work as plain links too. Failures become ApiError with the server's own
 * message (already "Vietnamese / English" and saying what to fix).
 */
import type { Me } from '#shared/schemas/api.ts';

/** One field's problem as the server words it ("Vietnamese. / English."). */
export interface FieldProblem {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: FieldProblem[] = [],
  ) {
    super(message);
  }
}

export const UNREACHABLE =
  'Không kết nối được máy chủ: kiểm tra mạng, bảng điều khiển sẽ tự thử lại. / The server cannot be reached: check the network; the console will try again.';

/** The server did not answer at all (down, network cut): not the same as a refusal. */
export function isUnreachable(err: unknown): boolean {
  return err instanceof ApiError && err.code === 'NETWORK';
}

/** What a person is shown when a call fails: the server's own message when there is one. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return 'Đã có lỗi không mong muốn; hãy tải lại trang. / Something unexpected went wrong; reload the page.';
}

function problemError(status: number, statusText: string, p: unknown): ApiError {
  const body = (p ?? {}) as {
    code?: string;
    detail?: string;
    errors?: { path?: string; field?: string; message?: string }[];
  };
  const fields = (body.errors ?? [])
    .filter((e) => typeof e.message === 'string')
    .map((e) => ({ field: e.field ?? e.path?.split('.').at(-1) ?? '', message: e.message! }));
  return new ApiError(
    status,
    body.code ?? `HTTP_${status}`,
    body.detail ?? `Máy chủ trả lời ${status} ${statusText}. / The server answered ${status} ${statusText}.`,
    fields,
  );
}

async function failure(res: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await res.json();
  } catch {
    // not problem+json: keep the status line
  }
  return problemError(res.status, res.statusText, body);
}

async function send(path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(path, init);
  } catch {
    // fetch rejects only when no answer came back: server down or network cut.
    throw new ApiError(0, 'NETWORK', UNREACHABLE);
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await send(`/api/v1${path}`, {
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
  const res = await send('/api/v1/auth/me', { credentials: 'same-origin' });
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
      let body: unknown = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // keep empty
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve(body as T);
      } else reject(problemError(xhr.status, xhr.statusText, body));
    };
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', UNREACHABLE));
    xhr.send(file);
  });
}

/** Sends a blob as the raw body of a PUT (a thumbnail the console drew). */
export async function putBlob<T>(path: string, blob: Blob): Promise<T> {
  const res = await send(`/api/v1${path}`, {
    method: 'PUT',
    credentials: 'same-origin',
    headers: { 'content-type': blob.type || 'application/octet-stream' },
    body: blob,
  });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

export const put = <T>(path: string, body: unknown) => api<T>('PUT', path, body);

export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
