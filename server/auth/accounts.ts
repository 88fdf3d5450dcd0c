/**
 * User accounts as the REST API, the first start and the `npm run users` CLI change them. Each
 * change and its audit record are written in one transaction.
 */
import { randomUUID } from 'node:crypto';
import type { Role } from '#shared/schemas/domain.ts';
import type { Db } from '../db/database.ts';
import type { Repositories } from '../repositories/index.ts';
import type { UserRow, UserScope } from '../repositories/users.ts';
import type { Clock } from '#shared/clock.ts';
import { AppError, fieldError } from '../errors.ts';
import { generatePassword, hashPassword, verifyPassword } from './passwords.ts';
import { isUniqueViolation } from '../db/errors.ts';

export interface ScopeRef {
  kind: 'site' | 'region';
  id: string;
}

/** Office heads and venue staff act only inside their scope; the others need none. */
export const SCOPED_ROLES: readonly Role[] = ['office_head', 'venue_staff', 'comms_editor', 'comms_approver'];

export function accountService(db: Db, repos: Repositories, clock: Clock) {
  const checkScopes = (scopes: ScopeRef[]) => {
    const errors = scopes.flatMap((s, i) => {
      const exists = s.kind === 'site' ? repos.sites.get(s.id) : repos.regions.get(s.id);
      return exists
        ? []
        : [
            fieldError(
              `body.scopes.${i}.id`,
              `không có ${s.kind === 'site' ? 'điểm đặt' : 'địa bàn'} "${s.id}"`,
              `there is no ${s.kind} "${s.id}"`,
            ),
          ];
    });
    if (errors.length > 0) {
      throw new AppError(
        'VALIDATION_FAILED',
        `Phạm vi không tồn tại: ${errors.map((e) => e.message.split(' / ')[0]).join('; ')} / Unknown scope: ${errors.map((e) => e.message.split(' / ')[1]).join('; ')}`,
        errors,
      );
    }
  };
  const toScopeRows = (scopes: ScopeRef[]): UserScope[] =>
    scopes.map((s) => ({ kind: s.kind, ref_id: s.id }));

  const insertUser = db.transaction(
    (row: Omit<UserRow, 'disabled_at_ms'>, scopes: ScopeRef[], actor: string) => {
      repos.users.insert(row);
      repos.users.replaceScopes(row.id, toScopeRows(scopes));
      repos.audit.record({
        actor,
        action: 'user.create',
        objectType: 'user',
        objectId: row.id,
        detail: { username: row.username, role: row.role, scopes },
      });
    },
  );

  const taken = (username: string) =>
    new AppError(
      'CONFLICT',
      `Tên đăng nhập "${username}" đã có. / User name "${username}" is taken; choose another.`,
    );

  return {
    /** Returns the one-time password when none was given. */
    async create(
      input: {
        username: string;
        displayName: string;
        role: Role;
        password?: string | undefined;
        scopes?: ScopeRef[] | undefined;
      },
      actor: string,
    ) {
      if (repos.users.getByUsername(input.username)) throw taken(input.username);
      const scopes = input.scopes ?? [];
      checkScopes(scopes);
      const oneTimePassword = input.password ? undefined : generatePassword();
      const row = {
        id: randomUUID(),
        username: input.username,
        display_name: input.displayName,
        role: input.role,
        password_hash: await hashPassword(input.password ?? oneTimePassword!),
        must_change_password: input.password ? 0 : 1,
        created_at_ms: clock.now(),
      };
      // The check above ran before the hash was awaited; another request may have taken the name
      // meanwhile. The UNIQUE constraint is the real check: its refusal is the same 409.
      try {
        insertUser(row, scopes, actor);
      } catch (err) {
        if (isUniqueViolation(err)) throw taken(input.username);
        throw err;
      }
      return { user: repos.users.get(row.id)!, oneTimePassword };
    },

    update: db.transaction(
      (
        id: string,
        patch: {
          role?: Role | undefined;
          scopes?: ScopeRef[] | undefined;
          disabled?: boolean | undefined;
          displayName?: string | undefined;
        },
        actor: string,
      ) => {
        const before = repos.users.get(id);
        if (!before) return undefined;
        if (patch.scopes) checkScopes(patch.scopes);
        const detail: Record<string, unknown> = {};
        if (patch.role && patch.role !== before.role) {
          repos.users.setRole(id, patch.role);
          detail.role = { before: before.role, after: patch.role };
        }
        if (patch.scopes) {
          const old = repos.users.scopes(id).map((s) => ({ kind: s.kind, id: s.ref_id }));
          repos.users.replaceScopes(id, toScopeRows(patch.scopes));
          detail.scopes = { before: old, after: patch.scopes };
        }
        if (patch.displayName !== undefined && patch.displayName !== before.display_name) {
          repos.users.setDisplayName(id, patch.displayName);
          detail.displayName = { before: before.display_name, after: patch.displayName };
        }
        if (patch.disabled !== undefined && patch.disabled !== (before.disabled_at_ms !== null)) {
          repos.users.setDisabled(id, patch.disabled ? clock.now() : null);
          if (patch.disabled) repos.sessions.removeForUser(id);
          detail.disabled = { before: before.disabled_at_ms !== null, after: patch.disabled };
        }
        if (Object.keys(detail).length > 0)
          repos.audit.record({ actor, action: 'user.update', objectType: 'user', objectId: id, detail });
        return repos.users.get(id)!;
      },
    ),

    /** A new one-time password; the user's sessions end and they must change it at next login. */
    async resetPassword(id: string, actor: string, password?: string) {
      const oneTime = password ?? generatePassword();
      const h = await hashPassword(oneTime);
      db.transaction(() => {
        repos.users.setPassword(id, h, true);
        repos.sessions.removeForUser(id);
        repos.audit.record({ actor, action: 'user.reset-password', objectType: 'user', objectId: id });
      })();
      return oneTime;
    },

    /**
     * Ends every other session of the user in the same transaction: whoever learnt the old
     * password and logged in with it is out. `keepTokenHash` is the session that asked.
     */
    async changePassword(id: string, current: string, next: string, keepTokenHash?: string) {
      const user = repos.users.get(id);
      if (!user || !(await verifyPassword(current, user.password_hash))) {
        throw new AppError(
          'INVALID_CREDENTIALS',
          'Mật khẩu hiện tại không đúng. / The current password is wrong.',
        );
      }
      if (current === next) {
        throw new AppError(
          'VALIDATION_FAILED',
          'Mật khẩu mới phải khác mật khẩu cũ. / Choose a new password that differs from the current one.',
          [
            fieldError(
              'body.newPassword',
              'cần khác mật khẩu hiện tại',
              'must differ from the current password',
            ),
          ],
        );
      }
      const h = await hashPassword(next);
      db.transaction(() => {
        repos.users.setPassword(id, h, false);
        const ended = repos.sessions.removeOthersOfUser(id, keepTokenHash);
        repos.audit.record({
          actor: id,
          action: 'user.change-password',
          objectType: 'user',
          objectId: id,
          detail: { otherSessionsEnded: ended },
        });
      })();
    },
  };
}
export type AccountService = ReturnType<typeof accountService>;
