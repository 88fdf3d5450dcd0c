/**
 * Urgent warnings (cảnh báo khẩn): the same levels and areas as communications, with a short
 * path: pending → on air is one action of an approver of the author's office (at city level,
 * not the author). On air they take over every online screen in scope (the player gateway does
 * the sending on 'warning-on'), until expiry or cancel. Imported CAP alerts arrive pending and
 * never air by themselves.
 */
import { sourceDocKey, type CommLevel, type CreateWarningBody, type Warning } from '#shared/schemas/comms.ts';
import type { WarningClearReason } from '#shared/schemas/protocol.ts';
import type { AuthUser } from '../plugins/auth.ts';
import { warningJson, type WarningRow } from '../repositories/communications.ts';
import { AppError, fieldError, notFound } from '../errors.ts';
import { communicationsService, type CommsDeps } from './communications.ts';
import { checkScope, covers, homeOf, type Home } from './levels.ts';

export type WarningDraft = Omit<
  WarningRow,
  'reject_reason' | 'approved_by' | 'cancelled_by' | 'approved_at_ms' | 'ended_at_ms'
>;

export function warningsService(deps: CommsDeps) {
  const { db, repos, clock, events } = deps;
  const c = () => repos.communications;
  const comms = communicationsService(deps);

  function regionRef(id: string) {
    const r = repos.regions.get(id);
    return { id, name: r?.name ?? id, level: r?.level ?? '' };
  }

  function counts(row: WarningRow) {
    const scopes = warningJson.scopeRegionIds(row.scope_region_ids, row.id);
    const d = c().deliveryCounts(row.id);
    return { inScope: c().screensInRegions(scopes).length, ...d };
  }

  function view(row: WarningRow): Warning {
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    return {
      id: row.id,
      headline: row.headline,
      body: row.body,
      display: row.display,
      level: row.level,
      authorRegion: regionRef(row.author_region_id),
      scopeRegions: warningJson.scopeRegionIds(row.scope_region_ids, row.id).map(regionRef),
      sourceDoc: row.source_doc,
      expiresAt: new Date(row.expires_at_ms).toISOString(),
      status: row.status,
      rejectReason: row.reject_reason,
      createdBy: row.created_by,
      approvedBy: row.approved_by,
      cancelledBy: row.cancelled_by,
      createdAt: new Date(row.created_at_ms).toISOString(),
      approvedAt: iso(row.approved_at_ms),
      endedAt: iso(row.ended_at_ms),
      cap: row.cap_identifier
        ? {
            identifier: row.cap_identifier,
            sender: row.cap_sender ?? '',
            sent: row.cap_sent ?? '',
            event: row.cap_event,
            severity: row.cap_severity,
            urgency: row.cap_urgency,
            certainty: row.cap_certainty,
          }
        : null,
      supersedes: row.supersedes,
      counts: counts(row),
    };
  }

  function load(id: string): WarningRow {
    const row = c().getWarning(id);
    if (!row) throw notFound('cảnh báo / warning', id);
    return row;
  }

  function ownOffice(home: Home, row: WarningRow): void {
    if (home.region.id !== row.author_region_id) {
      throw new AppError(
        'OUT_OF_SCOPE',
        `Cảnh báo ${row.id} thuộc đơn vị khác. / Warning ${row.id} belongs to another office.`,
      );
    }
  }

  function expiresOf(iso: string): number {
    const at = Date.parse(iso);
    if (!(at > clock.now())) {
      throw new AppError('VALIDATION_FAILED', 'Thời điểm hết hạn đã qua. / The expiry is in the past.', [
        fieldError('body.expiresAt', 'phải ở tương lai', 'must be in the future'),
      ]);
    }
    return at;
  }

  /** Inserts a warning with its audit record (also used by the CAP import). */
  function insert(row: WarningDraft, actor: string, detail: Record<string, unknown> = {}): WarningRow {
    db.transaction(() => {
      c().insertWarning(row);
      repos.audit.record({
        actor,
        action: 'warning.create',
        objectType: 'warning',
        objectId: row.id,
        detail: {
          headline: row.headline,
          level: row.level,
          scope: warningJson.scopeRegionIds(row.scope_region_ids, row.id),
          ...detail,
        },
      });
    })();
    return load(row.id);
  }

  function draft(
    fields: Pick<WarningRow, 'headline' | 'body' | 'display' | 'expires_at_ms' | 'source_doc'> & {
      level: CommLevel;
      authorRegionId: string;
      scopeRegionIds: string[];
      createdBy: string;
    },
  ): WarningDraft {
    const now = clock.now();
    return {
      id: c().nextWarningId(),
      headline: fields.headline,
      body: fields.body,
      display: fields.display,
      level: fields.level,
      author_region_id: fields.authorRegionId,
      scope_region_ids: JSON.stringify(fields.scopeRegionIds),
      source_doc: fields.source_doc,
      source_doc_key: sourceDocKey(fields.source_doc),
      expires_at_ms: fields.expires_at_ms,
      status: 'pending',
      created_by: fields.createdBy,
      created_at_ms: now,
      updated_at_ms: now,
      cap_identifier: null,
      cap_sender: null,
      cap_sent: null,
      cap_event: null,
      cap_severity: null,
      cap_urgency: null,
      cap_certainty: null,
      supersedes: null,
    };
  }

  const create = (user: AuthUser, body: CreateWarningBody): Warning => {
    const home = homeOf(repos, user);
    const scopes = (body.scopeRegionIds ?? [home.region.id]).map((id) => checkScope(repos, home, id).id);
    const row = draft({
      headline: body.headline,
      body: body.body ?? '',
      display: body.display ?? 'fullscreen',
      expires_at_ms: expiresOf(body.expiresAt),
      source_doc: body.sourceDoc ?? null,
      level: home.level,
      authorRegionId: home.region.id,
      scopeRegionIds: [...new Set(scopes)],
      createdBy: user.id,
    });
    // A refused warning never exists: its row names it "new" (the id is not taken).
    comms.refuseResend(user, 'warning', 'new', home.level, scopes, null, row.source_doc_key);
    return view(insert(row, user.id));
  };

  const approve = (user: AuthUser, id: string): Warning => {
    const home = homeOf(repos, user);
    const row = load(id);
    ownOffice(home, row);
    if (row.status !== 'pending') {
      throw new AppError(
        'CONFLICT',
        `Cảnh báo ${id} đang ở trạng thái ${row.status}. / Warning ${id} is ${row.status}.`,
      );
    }
    if (row.level === 'city' && row.created_by === user.id) {
      throw new AppError(
        'FORBIDDEN',
        'Ở cấp Thành phố, người phê duyệt phải khác người soạn. / At city level the approver must not be the author.',
      );
    }
    if (row.expires_at_ms <= clock.now()) {
      throw new AppError('CONFLICT', `Cảnh báo ${id} đã hết hạn. / Warning ${id} has already expired.`);
    }
    const scopes = warningJson.scopeRegionIds(row.scope_region_ids, row.id);
    comms.refuseResend(user, 'warning', id, row.level, scopes, null, row.source_doc_key);
    const now = clock.now();
    db.transaction(() => {
      c().updateWarning(id, {
        status: 'on_air',
        approved_by: user.id,
        approved_at_ms: now,
        updated_at_ms: now,
      });
      repos.audit.record({ actor: user.id, action: 'warning.approve', objectType: 'warning', objectId: id });
      repos.audit.record({
        actor: user.id,
        action: 'warning.air',
        objectType: 'warning',
        objectId: id,
        detail: { scope: scopes, display: row.display, expiresAt: new Date(row.expires_at_ms).toISOString() },
      });
    })();
    events.emit('warning-on', { warningId: id });
    if (row.supersedes) end(row.supersedes, user.id, 'replaced');
    return view(load(id));
  };

  const reject = (user: AuthUser, id: string, reason: string): Warning => {
    const home = homeOf(repos, user);
    const row = load(id);
    ownOffice(home, row);
    if (row.status !== 'pending') {
      throw new AppError(
        'CONFLICT',
        `Cảnh báo ${id} đang ở trạng thái ${row.status}. / Warning ${id} is ${row.status}.`,
      );
    }
    db.transaction(() => {
      c().updateWarning(id, { status: 'rejected', reject_reason: reason, updated_at_ms: clock.now() });
      repos.audit.record({
        actor: user.id,
        action: 'warning.reject',
        objectType: 'warning',
        objectId: id,
        detail: { reason },
      });
    })();
    return view(load(id));
  };

  /** Cancel (or replace, or expire): off every screen at once. Pending ones just stop. */
  function end(id: string, actor: string, reason: WarningClearReason): WarningRow {
    const row = load(id);
    if (row.status !== 'on_air' && row.status !== 'pending') return row;
    const now = clock.now();
    const status = reason === 'expired' ? 'expired' : 'cancelled';
    db.transaction(() => {
      c().updateWarning(id, {
        status,
        ended_at_ms: now,
        updated_at_ms: now,
        cancelled_by: status === 'cancelled' ? actor : null,
      });
      repos.audit.record({
        actor,
        action: reason === 'expired' ? 'warning.expire' : 'warning.cancel',
        objectType: 'warning',
        objectId: id,
        detail: { reason, wasOnAir: row.status === 'on_air' },
      });
    })();
    if (row.status === 'on_air') events.emit('warning-off', { warningId: id, reason });
    return load(id);
  }

  const cancel = (user: AuthUser, id: string): Warning => {
    const home = homeOf(repos, user);
    const row = load(id);
    if (!covers(repos, home.region.id, row.author_region_id)) ownOffice(home, row);
    if (row.status !== 'on_air' && row.status !== 'pending') {
      throw new AppError(
        'CONFLICT',
        `Cảnh báo ${id} đang ở trạng thái ${row.status}. / Warning ${id} is ${row.status}.`,
      );
    }
    return view(end(id, user.id, 'cancelled'));
  };

  /** On-air warnings past their expiry (players clear them on their own at that instant too). */
  function expireDue(): string[] {
    const now = clock.now();
    const done: string[] = [];
    for (const w of c().onAirWarnings()) {
      if (w.expires_at_ms > now) continue;
      end(w.id, 'cron:communications', 'expired');
      done.push(w.id);
    }
    return done;
  }

  function list(user: AuthUser, seeAll: boolean): Warning[] {
    const rows = c().listWarnings();
    if (seeAll) return rows.map(view);
    const home = homeOf(repos, user);
    return rows
      .filter((r) => {
        if (covers(repos, home.region.id, r.author_region_id)) return true;
        const scopes = warningJson.scopeRegionIds(r.scope_region_ids, r.id);
        return r.status !== 'pending' && scopes.some((s) => covers(repos, s, home.region.id));
      })
      .map(view);
  }

  return { create, approve, reject, cancel, end, expireDue, list, view, load, insert, draft };
}
export type WarningsService = ReturnType<typeof warningsService>;
