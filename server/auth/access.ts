/**
 * Who may call a route is declared on the route itself (`config: { access, roles }`), never
 * worked out from its URL: a router that decodes `%61pi` or ignores a slash would otherwise open
 * a door that a prefix check keeps shut. Pure code: the auth plugin feeds it the matched route's
 * declaration and the caller, and acts on the answer.
 */
import { Role } from '#shared/schemas/domain.ts';

const ROLES: readonly Role[] = Role.options;

/**
 * public: anyone (login, health, the console's files, /docs, the player socket, the update feed).
 * player: a paired screen's credential (Bearer), and nothing else.
 * read: any signed-in role. write: every signed-in role but auditor.
 */
export type Access = 'public' | 'player' | 'read' | 'write';
export const ACCESS_LEVELS: readonly Access[] = ['public', 'player', 'read', 'write'];

export interface AccessDeclaration {
  access: Access;
  /** When set, only these roles may call the route. */
  roles?: readonly Role[];
  /** A read route that a paired screen's credential may call too (the media bytes). */
  screens?: boolean;
  /** Reachable before a one-time password has been replaced (log out, who am I, change it). */
  beforePasswordChange?: boolean;
  /** Content types the body may have; JSON when unset. Applies to every method but GET/HEAD. */
  bodyTypes?: readonly string[];
}

/** Why a declaration is unusable, or null when it is fine. */
export function declarationProblem(config: Partial<AccessDeclaration> | undefined): string | null {
  if (!config || config.access === undefined)
    return 'has no access declaration (config.access: public | player | read | write)';
  if (!ACCESS_LEVELS.includes(config.access)) return `declares an unknown access "${config.access}"`;
  if (config.roles !== undefined) {
    if (config.access === 'public' || config.access === 'player')
      return `is ${config.access} and cannot also name roles`;
    if (config.roles.length === 0) return 'names an empty roles list (nobody could call it)';
    const unknown = config.roles.filter((r) => !ROLES.includes(r));
    if (unknown.length) return `names unknown roles ${unknown.join(', ')}`;
    if (config.access === 'write' && config.roles.every((r) => r === 'auditor'))
      return 'is a write route for auditors only, who never write';
  }
  if (config.screens && config.access !== 'read') return 'lets screens in, which only read routes may';
  return null;
}

export type Caller =
  { kind: 'anonymous' } | { kind: 'screen' } | { kind: 'user'; role: Role; mustChangePassword: boolean };

export type Decision =
  | { ok: true }
  | { ok: false; code: 'UNAUTHENTICATED' | 'FORBIDDEN' | 'PASSWORD_CHANGE_REQUIRED'; reason: string };

/** Whether `caller` may call a route declared as `decl`. */
export function decide(decl: AccessDeclaration, caller: Caller): Decision {
  if (decl.access === 'public') return { ok: true };
  if (decl.access === 'player') {
    return caller.kind === 'screen'
      ? { ok: true }
      : { ok: false, code: 'UNAUTHENTICATED', reason: 'screen credential required' };
  }
  if (caller.kind === 'screen' && decl.screens) return { ok: true };
  if (caller.kind !== 'user') return { ok: false, code: 'UNAUTHENTICATED', reason: 'login required' };
  if (caller.mustChangePassword && !decl.beforePasswordChange)
    return { ok: false, code: 'PASSWORD_CHANGE_REQUIRED', reason: 'one-time password in use' };
  if (decl.access === 'write' && caller.role === 'auditor')
    return { ok: false, code: 'FORBIDDEN', reason: 'auditors only read' };
  if (decl.roles && !decl.roles.includes(caller.role))
    return { ok: false, code: 'FORBIDDEN', reason: `role ${caller.role} not in ${decl.roles.join(', ')}` };
  return { ok: true };
}

/** The media type of a Content-Type header, lower case, without parameters. */
export function mediaTypeOf(header: string | undefined): string | undefined {
  const t = header?.split(';')[0]?.trim().toLowerCase();
  return t ? t : undefined;
}

/**
 * The origins a browser page of this server has: the configured public URL's and the one the
 * request itself was addressed to. Anything else sending a cookie-authenticated write is a page
 * of another site (or another port of this host) riding the user's cookie.
 */
export function originAllowed(origin: string, own: readonly string[]): boolean {
  let o: string;
  try {
    o = new URL(origin).origin;
  } catch {
    return false;
  }
  return o !== 'null' && own.includes(o);
}
