/**
 * Security headers on every response (pages, API, errors, media): a strict Content Security
 * Policy with no inline script, no framing, nosniff and no Referer leaving the server. /docs
 * gets its own, slightly wider policy (see DOCS_CSP). HSTS and upgrade-insecure-requests only
 * when the server is told it is reached over HTTPS: on a plain-http office network they would
 * break every subresource.
 */
import fp from 'fastify-plugin';
import helmet from '@fastify/helmet';

type Directives = Record<string, string[]>;

export function consoleCsp(https: boolean): Directives {
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'"],
    'style-src': ["'self'"],
    'img-src': ["'self'", 'data:', 'blob:'],
    'media-src': ["'self'", 'blob:'],
    'font-src': ["'self'"],
    'connect-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'none'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
    'frame-src': ["'none'"],
    'worker-src': ["'self'"],
    ...(https ? { 'upgrade-insecure-requests': [] } : {}),
  };
}

/**
 * swagger-ui's own files carry no inline script, but its React code sets `style` attributes
 * (and SVG icons as data: URLs); inline *styles* are allowed on /docs only. Scripts stay 'self'.
 */
export function docsCsp(https: boolean): Directives {
  return { ...consoleCsp(https), 'style-src': ["'self'", "'unsafe-inline'"] };
}

export function helmetOptions(https: boolean, directives: Directives) {
  return {
    contentSecurityPolicy: { useDefaults: false, directives },
    // Media and the console are fetched only by this origin and the players (not browsers).
    crossOriginResourcePolicy: { policy: 'same-origin' as const },
    crossOriginOpenerPolicy: { policy: 'same-origin' as const },
    crossOriginEmbedderPolicy: false,
    referrerPolicy: { policy: 'no-referrer' as const },
    strictTransportSecurity: https ? { maxAge: 31_536_000, includeSubDomains: false } : false,
    xFrameOptions: { action: 'deny' as const },
    xContentTypeOptions: true,
  };
}

export default fp(
  async (app) => {
    const https = app.config.publicUrl?.startsWith('https:') ?? false;
    await app.register(helmet, { global: true, ...helmetOptions(https, consoleCsp(https)) });
  },
  { name: 'security-headers', dependencies: ['context'] },
);
