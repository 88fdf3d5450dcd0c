import type { Db } from '../db/database.ts';
import type { Role } from '#shared/schemas/domain.ts';

export interface UserRow {
  id: string;
  username: string;
  display_name: string;
  role: Role;
  password_hash: string;
  must_change_password: number;
  created_at_ms: number;
  disabled_at_ms: number | null;
}

export interface UserScope {
  kind: 'site' | 'region';
  ref_id: string;
}

export function usersRepository(db: Db) {
  const byId = db.prepare<[string], UserRow>('SELECT * FROM users WHERE id = ?');
  const byUsername = db.prepare<[string], UserRow>('SELECT * FROM users WHERE username = ?');
  const all = db.prepare<[], UserRow>('SELECT * FROM users ORDER BY username');
  const count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM users');
  const insert = db.prepare(
    `INSERT INTO users (id, username, display_name, role, password_hash, must_change_password, created_at_ms)
     VALUES (@id, @username, @display_name, @role, @password_hash, @must_change_password, @created_at_ms)`,
  );
  const setPassword = db.prepare('UPDATE users SET password_hash = ?, must_change_password = ? WHERE id = ?');
  const setRole = db.prepare('UPDATE users SET role = ? WHERE id = ?');
  const setDisplayName = db.prepare('UPDATE users SET display_name = ? WHERE id = ?');
  const setDisabled = db.prepare('UPDATE users SET disabled_at_ms = ? WHERE id = ?');
  const scopesOf = db.prepare<[string], UserScope>(
    'SELECT kind, ref_id FROM user_scopes WHERE user_id = ? ORDER BY kind, ref_id',
  );
  const clearScopes = db.prepare('DELETE FROM user_scopes WHERE user_id = ?');
  const addScope = db.prepare('INSERT OR IGNORE INTO user_scopes (user_id, kind, ref_id) VALUES (?, ?, ?)');
  // A region scope covers every site in that region's subtree, however deep the tree is.
  const siteIdsInScope = db.prepare<[string, string], { id: string }>(
    `WITH RECURSIVE r(id) AS (
       SELECT ref_id FROM user_scopes WHERE user_id = ? AND kind = 'region'
       UNION SELECT regions.id FROM regions JOIN r ON regions.parent_id = r.id
     )
     SELECT id FROM sites WHERE region_id IN (SELECT id FROM r)
     UNION SELECT ref_id FROM user_scopes WHERE user_id = ? AND kind = 'site'`,
  );

  return {
    get: (id: string) => byId.get(id),
    getByUsername: (username: string) => byUsername.get(username),
    list: () => all.all(),
    count: () => count.get()!.n,
    insert: (row: Omit<UserRow, 'disabled_at_ms'>) => void insert.run(row),
    setPassword: (id: string, hash: string, mustChange: boolean) =>
      void setPassword.run(hash, mustChange ? 1 : 0, id),
    setRole: (id: string, role: Role) => void setRole.run(role, id),
    setDisplayName: (id: string, name: string) => void setDisplayName.run(name, id),
    setDisabled: (id: string, at: number | null) => void setDisabled.run(at, id),
    scopes: (id: string) => scopesOf.all(id),
    siteIdsInScope: (id: string) => new Set(siteIdsInScope.all(id, id).map((r) => r.id)),
    replaceScopes: db.transaction((id: string, scopes: UserScope[]) => {
      clearScopes.run(id);
      for (const s of scopes) addScope.run(id, s.kind, s.ref_id);
    }),
  };
}
export type UsersRepository = ReturnType<typeof usersRepository>;
