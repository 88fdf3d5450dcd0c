/**
 * Communications (tin truyền thông): draft → edited → approved → on air → ended, or rejected
 * with a reason. Every step and every re-send refusal is written to the audit log, in the same
 * transaction as the change it records.
 *
 * - City level: a department's editor drafts and edits; the city office approves, and the
 *   approver may be neither the author nor the last editor.
 * - District and ward level: the People's Committee may create, edit and approve in one hand.
 * - A district or ward item is refused when its media (sha256) or source document number
 *   matches an approved or on-air item of a higher level whose scope covers it.
 */
import type { Clock } from '#shared/clock.ts';
import {
  sourceDocKey,
  type CommLevel,
  type Communication,
  type CreateCommunicationBody,
  type Delivery,
  type EditCommunicationBody,
} from '#shared/schemas/comms.ts';
import { DEFAULT_TIME_ZONE } from '#shared/schemas/domain.ts';
import { daysBetween, localDateOf } from '#shared/time.ts';
import type { Db } from '../db/database.ts';
import type { DomainEventBus } from '../events.ts';
import type { AuthUser } from '../plugins/auth.ts';
import type { Repositories } from '../repositories/index.ts';
import { warningJson, type CommunicationRow } from '../repositories/communications.ts';
import { AppError, fieldError, notFound } from '../errors.ts';
import { LEVEL_NAMES, checkScope, covers, homeOf, isHigher, lineage, type Home } from './levels.ts';

export const COMMS_TIME_ZONE = DEFAULT_TIME_ZONE;

export interface CommsDeps {
  db: Db;
  repos: Repositories;
  clock: Clock;
  events: DomainEventBus;
}

/** A higher-level item that the candidate would re-send. */
export interface ResendMatch {
  id: string;
  title: string;
  level: CommLevel;
  kind: 'communication' | 'warning';
  by: 'media' | 'sourceDoc';
}

export function resendMessage(m: ResendMatch): string {
  const what =
    m.by === 'media'
      ? 'cùng tệp nội dung / the same media'
      : 'cùng số văn bản nguồn / the same source document';
  return `Không gửi lại tin của cấp trên: tin "${m.title}" (${m.id}, ${LEVEL_NAMES[m.level]}) đang phát trên địa bàn này với ${what}. / Do not re-send a higher level's item: "${m.title}" (${m.id}) is already on air in this area.`;
}

export function communicationsService(deps: CommsDeps) {
  const { db, repos, clock, events } = deps;
  const c = () => repos.communications;
  const today = () => localDateOf(clock.now(), COMMS_TIME_ZONE);

  function names(): Map<string, string> {
    return new Map(repos.users.list().map((u) => [u.id, u.display_name]));
  }

  function regionRef(id: string) {
    const r = repos.regions.get(id);
    return { id, name: r?.name ?? id, level: r?.level ?? '' };
  }

  function kindOf(row: CommunicationRow): Communication['kind'] {
    if (!row.media_sha256) return 'text';
    const m = repos.media.get(row.media_sha256);
    return m && (m.mime_type as string).startsWith('image/') ? 'image' : 'video';
  }

  function view(row: CommunicationRow, who = names()): Communication {
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    const kind = kindOf(row);
    return {
      id: row.id,
      title: row.title,
      body: row.body,
      mediaSha256: row.media_sha256,
      kind,
      sourceDoc: row.source_doc,
      level: row.level,
      authorRegion: regionRef(row.author_region_id),
      scopeRegion: regionRef(row.scope_region_id),
      firstDay: row.first_day,
      lastDay: row.last_day,
      timeZone: row.time_zone,
      playsPerDay: row.plays_per_day,
      status: row.status,
      rejectReason: row.reject_reason,
      createdBy: row.created_by,
      createdByName: who.get(row.created_by) ?? null,
      approvedBy: row.approved_by,
      approvedByName: row.approved_by ? (who.get(row.approved_by) ?? null) : null,
      createdAt: new Date(row.created_at_ms).toISOString(),
      approvedAt: iso(row.approved_at_ms),
      airedAt: iso(row.aired_at_ms),
      endedAt: iso(row.ended_at_ms),
      scheduled: row.status === 'approved' || row.status === 'on_air',
    };
  }

  function load(id: string): CommunicationRow {
    const row = c().getCommunication(id);
    if (!row) throw notFound('tin truyền thông / communication', id);
    return row;
  }

  /**
   * Higher-level items (communications and warnings) on air or approved whose scope covers
   * `scopeRegionId`, with the same media or source document.
   */
  function findResend(
    level: CommLevel,
    scopeRegionId: string,
    mediaSha256: string | null,
    docKey: string | null,
    exceptId?: string,
  ): ResendMatch | null {
    if (level === 'city' || (!mediaSha256 && !docKey)) return null;
    const above = new Set(lineage(repos, scopeRegionId));
    for (const row of c().liveMatching(mediaSha256, docKey)) {
      if (row.id === exceptId || !isHigher(row.level, level) || !above.has(row.scope_region_id)) continue;
      return {
        id: row.id,
        title: row.title,
        level: row.level,
        kind: 'communication',
        by: mediaSha256 && row.media_sha256 === mediaSha256 ? 'media' : 'sourceDoc',
      };
    }
    if (docKey) {
      for (const w of c().onAirWarnings()) {
        if (w.source_doc_key !== docKey || !isHigher(w.level, level)) continue;
        const scopes = warningJson.scopeRegionIds(w.scope_region_ids, w.id);
        if (!scopes.some((s) => above.has(s))) continue;
        return { id: w.id, title: w.headline, level: w.level, kind: 'warning', by: 'sourceDoc' };
      }
    }
    return null;
  }

  /** Refuses (and audits the refusal) when the item would re-send a higher level's item. */
  function refuseResend(
    user: AuthUser,
    objectType: 'communication' | 'warning',
    objectId: string,
    level: CommLevel,
    scopeRegionIds: string[],
    mediaSha256: string | null,
    docKey: string | null,
    exceptId?: string,
  ): void {
    for (const scope of scopeRegionIds) {
      const match = findResend(level, scope, mediaSha256, docKey, exceptId);
      if (!match) continue;
      repos.audit.record({
        actor: user.id,
        action: `${objectType}.resend_refused`,
        objectType,
        objectId,
        detail: { matched: match, scopeRegionId: scope, mediaSha256, sourceDocKey: docKey },
      });
      throw new AppError('RESEND_REFUSED', resendMessage(match), undefined, { matched: match });
    }
  }

  function checkMedia(sha: string | null): void {
    if (sha && !repos.media.get(sha)) {
      throw new AppError(
        'VALIDATION_FAILED',
        `Chưa có tệp nội dung ${sha}; tải lên trước (POST /api/v1/media). / No media ${sha}: upload it first.`,
        [
          fieldError(
            'body.mediaSha256',
            'cần mã sha256 của tệp đã tải lên',
            'expected the sha256 of uploaded media',
          ),
        ],
      );
    }
  }

  function sameRegion(home: Home, row: CommunicationRow): void {
    if (home.region.id !== row.author_region_id) {
      throw new AppError(
        'OUT_OF_SCOPE',
        `Tin ${row.id} thuộc đơn vị khác; bạn chỉ làm việc với tin của ${home.region.name}. / Item ${row.id} belongs to another office.`,
      );
    }
  }

  function planChanged(row: CommunicationRow, reason: string): void {
    const siteIds = c()
      .sitesInRegions([row.scope_region_id])
      .map((s) => s.id);
    if (siteIds.length) events.emit('plan-inputs-changed', { siteIds, reason });
  }

  const create = (user: AuthUser, body: CreateCommunicationBody): Communication => {
    const home = homeOf(repos, user);
    const scope = checkScope(repos, home, body.scopeRegionId ?? home.region.id);
    const media = body.mediaSha256 ?? null;
    checkMedia(media);
    const docKey = sourceDocKey(body.sourceDoc);
    const now = clock.now();
    const id = c().nextCommunicationId();
    // A refused item never exists: its row names it "new" (the id is not taken).
    refuseResend(user, 'communication', 'new', home.level, [scope.id], media, docKey);
    const row = {
      id,
      title: body.title,
      body: body.body ?? '',
      media_sha256: media,
      source_doc: body.sourceDoc ?? null,
      source_doc_key: docKey,
      level: home.level,
      author_region_id: home.region.id,
      scope_region_id: scope.id,
      first_day: body.firstDay,
      last_day: body.lastDay,
      time_zone: COMMS_TIME_ZONE,
      plays_per_day: body.playsPerDay,
      status: 'draft' as const,
      created_by: user.id,
      created_at_ms: now,
      updated_at_ms: now,
    };
    db.transaction(() => {
      c().insertCommunication(row);
      repos.audit.record({
        actor: user.id,
        action: 'communication.create',
        objectType: 'communication',
        objectId: id,
        detail: { title: row.title, level: row.level, scope: scope.id, media, sourceDoc: row.source_doc },
      });
    })();
    return view(load(id));
  };

  const edit = (user: AuthUser, id: string, body: EditCommunicationBody, submit: boolean): Communication => {
    const home = homeOf(repos, user);
    const row = load(id);
    sameRegion(home, row);
    if (!['draft', 'edited', 'rejected'].includes(row.status)) {
      throw new AppError(
        'CONFLICT',
        `Tin ${id} đã được duyệt (${row.status}); không sửa được nữa. / Item ${id} is ${row.status} and can no longer be edited.`,
      );
    }
    const scope = body.scopeRegionId ? checkScope(repos, home, body.scopeRegionId).id : row.scope_region_id;
    const media = body.mediaSha256 === undefined ? row.media_sha256 : body.mediaSha256;
    checkMedia(media);
    const sourceDoc = body.sourceDoc === undefined ? row.source_doc : body.sourceDoc;
    const next = {
      title: body.title ?? row.title,
      body: body.body ?? row.body,
      media_sha256: media,
      source_doc: sourceDoc,
      source_doc_key: sourceDocKey(sourceDoc),
      scope_region_id: scope,
      first_day: body.firstDay ?? row.first_day,
      last_day: body.lastDay ?? row.last_day,
      plays_per_day: body.playsPerDay ?? row.plays_per_day,
    };
    if (next.first_day > next.last_day) {
      throw new AppError(
        'VALIDATION_FAILED',
        'Ngày bắt đầu sau ngày kết thúc. / firstDay is after lastDay.',
        [fieldError('body.lastDay', 'không được trước ngày bắt đầu', 'must not be before firstDay')],
      );
    }
    if (!media && next.body.trim() === '') {
      throw new AppError(
        'VALIDATION_FAILED',
        'Tin cần một tệp nội dung hoặc một đoạn văn bản. / Give media or a text.',
        [fieldError('body.body', 'cần một tệp nội dung hoặc một đoạn văn bản', 'give media or a text')],
      );
    }
    refuseResend(user, 'communication', id, row.level, [scope], media, next.source_doc_key, id);
    const status = submit ? 'edited' : row.status === 'rejected' ? 'draft' : row.status;
    db.transaction(() => {
      c().updateCommunication(id, {
        ...next,
        status,
        reject_reason: status === 'draft' || status === 'edited' ? null : row.reject_reason,
        edited_by: user.id,
        updated_at_ms: clock.now(),
      });
      repos.audit.record({
        actor: user.id,
        action: submit ? 'communication.submit' : 'communication.edit',
        objectType: 'communication',
        objectId: id,
        detail: { before: { ...row }, after: { ...next, status } },
      });
    })();
    return view(load(id));
  };

  const approve = (user: AuthUser, id: string): Communication => {
    const home = homeOf(repos, user);
    const row = load(id);
    sameRegion(home, row);
    if (row.level === 'city') {
      if (row.status !== 'edited') {
        throw new AppError(
          'CONFLICT',
          `Tin ${id} chưa được đơn vị biên tập xong (trạng thái ${row.status}). / Item ${id} has not been submitted by its department yet.`,
        );
      }
      if (row.created_by === user.id || row.edited_by === user.id) {
        throw new AppError(
          'FORBIDDEN',
          'Ở cấp Thành phố, người phê duyệt phải khác người soạn và người biên tập tin. / At city level the approver must not be the author or editor of the item.',
        );
      }
    } else if (row.status !== 'draft' && row.status !== 'edited') {
      throw new AppError(
        'CONFLICT',
        `Tin ${id} đang ở trạng thái ${row.status}. / Item ${id} is ${row.status}.`,
      );
    }
    if (row.last_day < today()) {
      throw new AppError('CONFLICT', `Tin ${id} đã quá ngày kết thúc. / Item ${id}'s last day has passed.`);
    }
    refuseResend(
      user,
      'communication',
      id,
      row.level,
      [row.scope_region_id],
      row.media_sha256,
      row.source_doc_key,
      id,
    );
    db.transaction(() => {
      c().updateCommunication(id, { status: 'approved', approved_by: user.id, approved_at_ms: clock.now() });
      repos.audit.record({
        actor: user.id,
        action: 'communication.approve',
        objectType: 'communication',
        objectId: id,
        detail: { level: row.level, scope: row.scope_region_id },
      });
    })();
    advance(user.id);
    planChanged(row, 'communication.approve');
    return view(load(id));
  };

  const reject = (user: AuthUser, id: string, reason: string): Communication => {
    const home = homeOf(repos, user);
    const row = load(id);
    sameRegion(home, row);
    if (row.status !== 'draft' && row.status !== 'edited') {
      throw new AppError(
        'CONFLICT',
        `Tin ${id} đang ở trạng thái ${row.status}. / Item ${id} is ${row.status}.`,
      );
    }
    db.transaction(() => {
      c().updateCommunication(id, { status: 'rejected', reject_reason: reason, updated_at_ms: clock.now() });
      repos.audit.record({
        actor: user.id,
        action: 'communication.reject',
        objectType: 'communication',
        objectId: id,
        detail: { reason },
      });
    })();
    return view(load(id));
  };

  /** approved → on air from the first day; approved/on air → ended after the last day. */
  function advance(actor = 'cron:communications'): { aired: string[]; ended: string[] } {
    const date = today();
    const aired: string[] = [];
    const ended: string[] = [];
    for (const row of c().liveCommunications()) {
      if (row.last_day < date) {
        db.transaction(() => {
          c().updateCommunication(row.id, { status: 'ended', ended_at_ms: clock.now() });
          repos.audit.record({
            actor,
            action: 'communication.end',
            objectType: 'communication',
            objectId: row.id,
          });
        })();
        ended.push(row.id);
        planChanged(row, 'communication.end');
      } else if (row.status === 'approved' && row.first_day <= date) {
        db.transaction(() => {
          c().updateCommunication(row.id, { status: 'on_air', aired_at_ms: clock.now() });
          repos.audit.record({
            actor,
            action: 'communication.air',
            objectType: 'communication',
            objectId: row.id,
            detail: { scope: row.scope_region_id, scheduled: true },
          });
        })();
        aired.push(row.id);
      }
    }
    return { aired, ended };
  }

  /** Items of higher levels, approved or on air, that reach (part of) the user's area. */
  function fromAbove(user: AuthUser): Communication[] {
    const home = homeOf(repos, user);
    const who = names();
    return c()
      .liveCommunications()
      .filter(
        (r) =>
          isHigher(r.level, home.level) &&
          (covers(repos, r.scope_region_id, home.region.id) ||
            covers(repos, home.region.id, r.scope_region_id)),
      )
      .map((r) => view(r, who));
  }

  /** Communications a user may see: their office's own, plus what reaches their area from above. */
  function list(user: AuthUser, seeAll: boolean): Communication[] {
    const who = names();
    const rows = c().listCommunications();
    if (seeAll) return rows.map((r) => view(r, who));
    const home = homeOf(repos, user);
    return rows
      .filter(
        (r) =>
          r.author_region_id === home.region.id ||
          (covers(repos, home.region.id, r.author_region_id) && r.status !== 'draft'),
      )
      .map((r) => view(r, who));
  }

  /** Completed plays against the target, per region one level below the scope. */
  function delivery(id: string): Delivery {
    const row = load(id);
    const sites = c().sitesInRegions([row.scope_region_id]);
    const plays = new Map(
      c()
        .playsBySite(id)
        .map((p) => [p.site_id, p.n]),
    );
    const screens = new Map(
      c()
        .screensBySite([row.scope_region_id])
        .map((p) => [p.site_id, p.n]),
    );
    const date = today();
    const aired = row.aired_at_ms === null ? 0 : 1;
    const lastCounted = row.last_day < date ? row.last_day : date;
    const days = aired && row.first_day <= lastCounted ? daysBetween(row.first_day, lastCounted) + 1 : 0;
    const children = repos.regions.children(row.scope_region_id);
    const groups = new Map<
      string,
      { regionId: string; regionName: string; screens: number; plays: number; target: number }
    >();
    const scopeName = repos.regions.get(row.scope_region_id)?.name ?? row.scope_region_id;
    for (const s of sites) {
      const child =
        children.find((ch) => s.region_id !== null && covers(repos, ch.id, s.region_id)) ??
        ({ id: row.scope_region_id, name: scopeName } as const);
      const g = groups.get(child.id) ?? {
        regionId: child.id,
        regionName: child.name,
        screens: 0,
        plays: 0,
        target: 0,
      };
      const n = screens.get(s.id) ?? 0;
      g.screens += n;
      g.plays += plays.get(s.id) ?? 0;
      g.target += n * row.plays_per_day * days;
      groups.set(child.id, g);
    }
    const rows = [...groups.values()].sort((a, b) => a.regionName.localeCompare(b.regionName, 'vi'));
    const total = rows.reduce(
      (t, r) => ({
        ...t,
        screens: t.screens + r.screens,
        plays: t.plays + r.plays,
        target: t.target + r.target,
      }),
      { regionId: row.scope_region_id, regionName: scopeName, screens: 0, plays: 0, target: 0 },
    );
    return { id, days, rows, total };
  }

  return {
    create,
    edit,
    approve,
    reject,
    advance,
    fromAbove,
    list,
    delivery,
    view,
    load,
    refuseResend,
    findResend,
  };
}
export type CommunicationsService = ReturnType<typeof communicationsService>;
