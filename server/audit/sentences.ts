/**
 * The audit log in sentences, Vietnamese and English: "Nguyễn Thị Lan nâng tần suất Bộ phận
 * một cửa phường Bách Khoa từ 10 lên 12 lượt/ngày (lý do: …)". People by name, sites and
 * screens by name, the time as dd/mm/yyyy HH:mm in the site's zone. Pure: the names come from
 * a lookup the caller builds. An action without its own sentence still reads as one (who, what
 * kind of change, on what); the raw detail stays one click away in the console.
 */
import { formatDateTime } from '#shared/time.ts';

export interface AuditLookup {
  person(actor: string): string | null;
  site(id: string): { name: string; timeZone: string } | null;
  screen(id: string): { name: string; siteId: string } | null;
  campaign(id: string): { name: string; targetPerDay: number } | null;
  /** The zone used when an entry concerns no site. */
  defaultZone: string;
}

export interface AuditRowLike {
  at_ms: number;
  actor: string;
  action: string;
  object_type: string;
  object_id: string;
  detail: unknown;
}

export interface AuditSentence {
  vi: string;
  en: string;
  /** The site the entry concerns, when there is one (for the site filter and the zone). */
  siteId: string | null;
  /** dd/mm/yyyy HH:mm in `zone`. */
  when: string;
  zone: string;
}

/** What each action is called, for the action filter and for actions without their own sentence. */
export const ACTION_LABELS: Record<string, [string, string]> = {
  'override.raise': ['nâng tần suất', 'raised the frequency'],
  'campaign.update': ['sửa chiến dịch', 'changed the campaign'],
  'site.update': ['sửa điểm đặt', 'changed the site'],
  'screen.create': ['thêm màn hình', 'added the screen'],
  'screen.update': ['sửa màn hình', 'changed the screen'],
  'screen.move': ['chuyển màn hình', 'moved the screen'],
  'screen.pair': ['ghép nối màn hình', 'paired the screen'],
  'screen.revoke': ['thu hồi màn hình', 'revoked the screen'],
  'screen.provision': ['tạo tệp cài đặt hàng loạt cho', 'made a provisioning file for'],
  'user.create': ['tạo tài khoản', 'created the account'],
  'user.update': ['sửa tài khoản', 'changed the account'],
  'media.add': ['tải lên video/ảnh', 'uploaded the media'],
  'media.update': ['sửa video/ảnh', 'changed the media'],
  'media.thumbnail': ['lưu ảnh thu nhỏ cho', 'stored a thumbnail for'],
  'communication.create': ['soạn thông báo', 'drafted the communication'],
  'communication.approve': ['duyệt thông báo', 'approved the communication'],
  'communication.reject': ['từ chối thông báo', 'rejected the communication'],
  'communication.end': ['kết thúc thông báo', 'ended the communication'],
  'communication.air': ['phát thông báo', 'aired the communication'],
};

const FIELD_NAMES: Record<string, [string, string]> = {
  name: ['tên', 'name'],
  name_en: ['tên tiếng Anh', 'English name'],
  site_id: ['điểm đặt', 'site'],
  target_per_day: ['chỉ tiêu', 'target'],
  first_day: ['ngày bắt đầu', 'first day'],
  last_day: ['ngày kết thúc', 'last day'],
  media_sha256: ['video', 'video'],
  opening_hours: ['giờ mở cửa', 'opening hours'],
  peak_profiles: ['giờ cao điểm', 'peak hours'],
  peak_profile: ['giờ cao điểm', 'peak hours'],
  participants: ['phạm vi tham gia', 'who takes part'],
  average_basis: ['cách tính trung bình', 'average basis'],
  make_good_cap_pct: ['mức bù', 'make-good cap'],
  resolution: ['độ phân giải', 'resolution'],
  orientation: ['hướng màn hình', 'orientation'],
  role: ['vai trò', 'role'],
  scopes: ['phạm vi', 'scope'],
  disabled: ['khoá', 'disabled'],
  email: ['e-mail', 'e-mail'],
  display_name: ['tên hiển thị', 'display name'],
};

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null;
}

function obj(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** A short, readable value: names for sites, otherwise the value itself (long JSON left out). */
function shown(field: string, v: unknown, look: AuditLookup): string {
  if (v === null || v === undefined) return '—';
  if (field === 'site_id' && typeof v === 'string') return look.site(v)?.name ?? v;
  if (typeof v === 'string') return v.length > 60 ? `${v.slice(0, 57)}…` : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return '…';
}

export function describeAudit(r: AuditRowLike, look: AuditLookup): AuditSentence {
  const d = obj(r.detail);
  const who = look.person(r.actor) ?? actorText(r.actor);
  const [whoVi, whoEn] = Array.isArray(who) ? who : [who, who];
  const screen = r.object_type === 'screen' ? look.screen(r.object_id) : null;
  const siteId =
    r.object_type === 'site'
      ? r.object_id
      : (str(d['siteId']) ?? (obj(d['site_id'])['after'] as string | undefined) ?? screen?.siteId ?? null);
  const site = siteId ? look.site(siteId) : null;
  const zone = site?.timeZone ?? look.defaultZone;
  const screenName = str(obj(d['name'])['after']) ?? str(d['name']) ?? screen?.name ?? r.object_id;
  const siteName = site?.name ?? siteId ?? '';
  const reasonOf = (vi: boolean) => {
    const reason = str(d['reason']);
    return reason ? (vi ? ` (lý do: ${reason})` : ` (reason: ${reason})`) : '';
  };
  const label = ACTION_LABELS[r.action] ?? [r.action, r.action];
  let vi: string;
  let en: string;
  switch (r.action) {
    case 'override.raise': {
      const campaign = str(d['campaignId']);
      const c = campaign ? look.campaign(campaign) : null;
      // No earlier override: the site was at the city's target.
      const before = str(d['before']) ?? (c ? String(c.targetPerDay) : null);
      const after = str(d['after']) ?? '?';
      const cName = c?.name ?? null;
      vi = `${whoVi} nâng tần suất ${siteName} ${before ? `từ ${before} ` : ''}lên ${after} lượt/ngày${cName ? ` trong chiến dịch "${cName}"` : ''}${reasonOf(true)}`;
      en = `${whoEn} raised the frequency at ${siteName} ${before ? `from ${before} ` : ''}to ${after} plays a day${cName ? ` in the campaign "${cName}"` : ''}${reasonOf(false)}`;
      break;
    }
    case 'screen.move': {
      const move = obj(d['site_id']);
      const from = str(move['before']);
      const to = str(move['after']);
      const fromName = from ? (look.site(from)?.name ?? from) : '?';
      const toName = to ? (look.site(to)?.name ?? to) : '?';
      const rename = obj(d['name']);
      const renamed = str(rename['before']);
      vi = `${whoVi} chuyển màn hình "${renamed ?? screenName}" từ ${fromName} sang ${toName}${renamed ? `, đổi tên thành "${screenName}"` : ''}${reasonOf(true)}`;
      en = `${whoEn} moved the screen "${renamed ?? screenName}" from ${fromName} to ${toName}${renamed ? `, renamed "${screenName}"` : ''}${reasonOf(false)}`;
      break;
    }
    case 'screen.revoke':
      vi = `${whoVi} thu hồi màn hình "${screenName}" tại ${siteName}${reasonOf(true)}`;
      en = `${whoEn} revoked the screen "${screenName}" at ${siteName}${reasonOf(false)}`;
      break;
    case 'screen.pair':
      vi = `${whoVi} ghép nối màn hình "${screenName}" tại ${siteName}`;
      en = `${whoEn} paired the screen "${screenName}" at ${siteName}`;
      break;
    case 'screen.create':
      vi = `${whoVi} thêm màn hình "${screenName}" tại ${siteName}`;
      en = `${whoEn} added the screen "${screenName}" at ${siteName}`;
      break;
    case 'screen.provision':
      vi = `${whoVi} tạo tệp cài đặt hàng loạt cho ${str(d['count']) ?? '?'} màn hình tại ${siteName}`;
      en = `${whoEn} made a provisioning file for ${str(d['count']) ?? '?'} screens at ${siteName}`;
      break;
    default: {
      // Changes with before/after: "đổi tên từ A thành B; chỉ tiêu từ 10 thành 12".
      const changes = Object.entries(d)
        .filter(([, v]) => v && typeof v === 'object' && 'before' in v && 'after' in v)
        .map(([k, v]) => {
          const c = v as { before: unknown; after: unknown };
          const [fv, fe] = FIELD_NAMES[k] ?? [k, k];
          return [
            `${fv} từ ${shown(k, c.before, look)} thành ${shown(k, c.after, look)}`,
            `${fe} from ${shown(k, c.before, look)} to ${shown(k, c.after, look)}`,
          ];
        });
      const target = objectName(r, look, screenName, siteName);
      vi = `${whoVi} ${label[0]} ${target[0]}${changes.length ? `: ${changes.map((c) => c[0]).join('; ')}` : ''}${reasonOf(true)}`;
      en = `${whoEn} ${label[1]} ${target[1]}${changes.length ? `: ${changes.map((c) => c[1]).join('; ')}` : ''}${reasonOf(false)}`;
    }
  }
  return { vi, en, siteId, when: formatDateTime(r.at_ms, zone), zone };
}

function objectName(
  r: AuditRowLike,
  look: AuditLookup,
  screenName: string,
  siteName: string,
): [string, string] {
  switch (r.object_type) {
    case 'screen':
      return [
        `"${screenName}"${siteName ? ` tại ${siteName}` : ''}`,
        `"${screenName}"${siteName ? ` at ${siteName}` : ''}`,
      ];
    case 'site':
      return [siteName || r.object_id, siteName || r.object_id];
    case 'campaign': {
      const n = look.campaign(r.object_id)?.name ?? r.object_id;
      return [`"${n}"`, `"${n}"`];
    }
    case 'user': {
      const n = look.person(r.object_id) ?? r.object_id;
      return [n, n];
    }
    default:
      return [
        r.object_id.length > 24 ? `${r.object_id.slice(0, 12)}…` : r.object_id,
        r.object_id.length > 24 ? `${r.object_id.slice(0, 12)}…` : r.object_id,
      ];
  }
}

/** Actors that are not people: the system, a scheduled job, a playlist file. */
function actorText(actor: string): [string, string] {
  if (actor === 'system') return ['Hệ thống', 'The system'];
  if (actor.startsWith('cron:'))
    return [`Tác vụ định kỳ ${actor.slice(5)}`, `The scheduled job ${actor.slice(5)}`];
  if (actor.startsWith('playlist:'))
    return [`Tệp lịch phát ${actor.slice(9)}`, `The playlist file ${actor.slice(9)}`];
  return [actor, actor];
}
