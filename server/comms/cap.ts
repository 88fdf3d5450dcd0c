/**
 * CAP 1.2 (OASIS Common Alerting Protocol) import and export for urgent warnings.
 *
 * Import: a document with a DOCTYPE is refused before any parsing, so no entity (external or
 * internal) is ever declared, let alone read; fast-xml-parser does not fetch anything either.
 * Then the XML must be well formed and an <alert> in the CAP 1.2 namespace. `status` other than
 * Actual is not for the public and is ignored; `msgType` Alert creates a pending warning, Update
 * creates a pending one that replaces the alerts it references once approved (a referenced alert
 * that never aired is withdrawn at once), Cancel takes the referenced alerts off the air at once
 * (clearing a screen shows nothing new, so it needs no approval). Nothing imported ever airs
 * without an approver. `expires` is honoured: an alert already expired is ignored; without one
 * the warning lasts DEFAULT_HOURS from `sent`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import type { CapImportResult } from '#shared/schemas/comms.ts';
import { DEFAULT_TIME_ZONE } from '#shared/schemas/domain.ts';
import { toIsoWithOffset } from '#shared/time.ts';
import { z } from 'zod';
import type { Repositories } from '../repositories/index.ts';
import type { RegionRow } from '../repositories/regions.ts';
import { warningJson, type WarningRow } from '../repositories/communications.ts';
import { AppError } from '../errors.ts';
import type { WarningsService } from './warnings.ts';

export const CAP_NS = 'urn:oasis:names:tc:emergency:cap:1.2';
export const EXPORT_SENDER = 'ihanoi-signage@hanoi.gov.vn';
const DEFAULT_HOURS = 6;
const MAX_BYTES = 1024 * 1024;

export interface GeocodeEntry {
  valueName: string;
  value: string;
  region: string;
}

const GeocodeFile = z.object({
  entries: z.array(z.object({ valueName: z.string(), value: z.string(), region: z.string() })).default([]),
});

export function loadGeocodes(playlistsDir: string): GeocodeEntry[] {
  try {
    const text = readFileSync(join(playlistsDir, 'cap', 'geocodes-hanoi-2024.json'), 'utf8');
    return GeocodeFile.parse(JSON.parse(text)).entries;
  } catch {
    return [];
  }
}

const invalid = (why: string) =>
  new AppError('CAP_INVALID', `Tệp CAP không hợp lệ: ${why}. / Not a valid CAP 1.2 alert: ${why}.`);

const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const text = (v: unknown): string =>
  typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '';

export interface CapArea {
  areaDesc: string;
  geocodes: Array<{ valueName: string; value: string }>;
}
export interface CapAlert {
  identifier: string;
  sender: string;
  sent: string;
  status: string;
  msgType: string;
  references: Array<{ sender: string; identifier: string; sent: string }>;
  info: {
    language: string;
    event: string;
    urgency: string;
    severity: string;
    certainty: string;
    headline: string;
    description: string;
    instruction: string;
    expires: string | null;
    areas: CapArea[];
  } | null;
}

/** Parses and checks a CAP 1.2 document; throws CAP_INVALID with a reason a person can act on. */
export function parseCap(xml: string): CapAlert {
  if (Buffer.byteLength(xml, 'utf8') > MAX_BYTES) throw invalid('lớn hơn 1 MB / larger than 1 MB');
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) {
    throw invalid(
      'có khai báo DOCTYPE/ENTITY, không được phép / it declares a DOCTYPE or ENTITY, which CAP never needs',
    );
  }
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    throw invalid(
      `XML sai ở dòng ${valid.err.line}, cột ${valid.err.col} / malformed XML at line ${valid.err.line}, column ${valid.err.col}: ${valid.err.msg}`,
    );
  }
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    removeNSPrefix: true,
    parseTagValue: false,
    trimValues: true,
    processEntities: true,
  });
  // The namespace check reads the root as written (prefix and xmlns attributes kept)…
  const raw = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    parseTagValue: false,
  }).parse(xml) as Record<string, unknown>;
  const rootName = Object.keys(raw).find((k) => k === 'alert' || k.endsWith(':alert'));
  const root = rootName ? (raw[rootName] as Record<string, unknown>) : undefined;
  if (!root || typeof root !== 'object')
    throw invalid('không có phần tử <alert> / there is no <alert> element');
  const prefix = rootName!.includes(':') ? rootName!.split(':')[0] : null;
  if (root[prefix ? `@xmlns:${prefix}` : '@xmlns'] !== CAP_NS)
    throw invalid(`namespace phải là / the namespace must be ${CAP_NS}`);
  // …the content is read without prefixes.
  const alert = (parser.parse(xml) as Record<string, unknown>)['alert'] as Record<string, unknown>;
  const need = (k: string) => {
    const v = text(alert[k]);
    if (!v) throw invalid(`thiếu <${k}> / <${k}> is missing`);
    return v;
  };
  const identifier = need('identifier');
  const sender = need('sender');
  const sent = need('sent');
  if (Number.isNaN(Date.parse(sent)))
    throw invalid('<sent> không phải thời điểm / <sent> is not a date-time');
  const status = need('status');
  if (!['Actual', 'Exercise', 'System', 'Test', 'Draft'].includes(status))
    throw invalid(`<status> "${status}"`);
  const msgType = need('msgType');
  if (!['Alert', 'Update', 'Cancel', 'Ack', 'Error'].includes(msgType))
    throw invalid(`<msgType> "${msgType}"`);
  need('scope');
  const references = text(alert['references'])
    .split(/\s+/)
    .filter(Boolean)
    .map((ref) => {
      const [s = '', id = '', at = ''] = ref.split(',');
      return { sender: s, identifier: id, sent: at };
    });
  if ((msgType === 'Update' || msgType === 'Cancel') && references.length === 0) {
    throw invalid(`<msgType>${msgType}</msgType> cần <references> / needs <references>`);
  }
  const infos = list(alert['info'] as Record<string, unknown> | Record<string, unknown>[] | undefined);
  const vi = infos.find((i) => text(i['language']).toLowerCase().startsWith('vi')) ?? infos[0];
  let info: CapAlert['info'] = null;
  if (vi) {
    const expires = text(vi['expires']) || null;
    if (expires && Number.isNaN(Date.parse(expires)))
      throw invalid('<expires> không phải thời điểm / is not a date-time');
    info = {
      language: text(vi['language']) || 'en-US',
      event: text(vi['event']),
      urgency: text(vi['urgency']),
      severity: text(vi['severity']),
      certainty: text(vi['certainty']),
      headline: text(vi['headline']),
      description: text(vi['description']),
      instruction: text(vi['instruction']),
      expires,
      areas: list(vi['area'] as Record<string, unknown> | Record<string, unknown>[] | undefined).map((a) => ({
        areaDesc: text(a['areaDesc']),
        geocodes: list(a['geocode'] as Record<string, unknown> | Record<string, unknown>[] | undefined).map(
          (g) => ({
            valueName: text(g['valueName']),
            value: text(g['value']),
          }),
        ),
      })),
    };
  }
  if (msgType !== 'Cancel' && msgType !== 'Ack' && msgType !== 'Error' && !info) {
    throw invalid('thiếu <info> / <info> is missing');
  }
  return { identifier, sender, sent, status, msgType, references, info };
}

/** CAP areas → region ids: by geocode from the table, else by the area's name. */
export function mapAreas(areas: CapArea[], geocodes: GeocodeEntry[], regions: RegionRow[]): string[] {
  const byName = new Map(regions.map((r) => [r.name.normalize('NFC').toLowerCase(), r.id]));
  const out = new Set<string>();
  for (const a of areas) {
    let found = false;
    for (const g of a.geocodes) {
      const hit = geocodes.find((e) => e.valueName === g.valueName && e.value === g.value);
      if (hit && regions.some((r) => r.id === hit.region)) {
        out.add(hit.region);
        found = true;
      }
    }
    if (!found) {
      for (const part of a.areaDesc.split(/[;,]/)) {
        const id = byName.get(part.trim().normalize('NFC').toLowerCase());
        if (id) out.add(id);
      }
    }
  }
  return [...out];
}

export interface CapImportDeps {
  repos: Repositories;
  warnings: WarningsService;
  now: number;
  geocodes: GeocodeEntry[];
}

/** Imports one CAP document; every outcome is audited under the actor `cap:<sender>`. */
export function importCap(deps: CapImportDeps, xml: string): CapImportResult {
  const { repos, warnings, now } = deps;
  const cap = parseCap(xml);
  const actor = `cap:${cap.sender}`;
  const audit = (action: string, objectId: string, detail: Record<string, unknown>) =>
    repos.audit.record({ actor, action, objectType: 'warning', objectId, detail });
  const ignored = (why: string): CapImportResult => {
    audit('warning.cap_ignored', cap.identifier, { why, status: cap.status, msgType: cap.msgType });
    return { action: 'ignored', warningId: null, message: why };
  };
  if (cap.status !== 'Actual') {
    return ignored(
      `Trạng thái ${cap.status}: không dành cho người dân, không nhập. / Status ${cap.status} is not for the public; not imported.`,
    );
  }
  if (cap.msgType === 'Ack' || cap.msgType === 'Error')
    return ignored(`msgType ${cap.msgType}: nothing to show.`);
  if (repos.communications.warningByCap(cap.sender, cap.identifier)) {
    return ignored(
      `Đã nhập cảnh báo ${cap.identifier} trước đó. / Alert ${cap.identifier} was already imported.`,
    );
  }
  const referenced = cap.references
    .map((r) => repos.communications.warningByCap(r.sender, r.identifier))
    .filter((w): w is WarningRow => !!w);

  if (cap.msgType === 'Cancel') {
    const live = referenced.filter((w) => w.status === 'pending' || w.status === 'on_air');
    for (const w of live) warnings.end(w.id, actor, 'cancelled');
    if (live.length === 0)
      return ignored('Không có cảnh báo nào đang chờ hoặc đang phát để huỷ. / Nothing live to cancel.');
    return {
      action: 'cancelled',
      warningId: live[0]!.id,
      message: `Đã huỷ / cancelled: ${live.map((w) => w.id).join(', ')}`,
    };
  }

  const info = cap.info!;
  const expiresAt = info.expires
    ? Date.parse(info.expires)
    : Date.parse(cap.sent) + DEFAULT_HOURS * 3_600_000;
  if (expiresAt <= now) return ignored('Cảnh báo đã hết hạn. / The alert has already expired.');
  const scopes = mapAreas(info.areas, deps.geocodes, repos.regions.list());
  if (scopes.length === 0) {
    throw invalid(
      `không khớp <area> nào với địa bàn (bảng mã geocode hoặc tên) / no <area> maps to a region (geocode table or name): ${info.areas.map((a) => a.areaDesc).join('; ') || '(none)'}`,
    );
  }
  const city = repos.regions.list().find((r) => r.level === 'city' && r.parent_id === null);
  if (!city) throw new AppError('CONFLICT', 'Chưa có cây địa bàn. / There is no region tree.');
  const base = warnings.draft({
    headline: (info.headline || info.event || 'Cảnh báo').slice(0, 200),
    body: [info.description, info.instruction].filter(Boolean).join('\n').slice(0, 4000),
    display: info.urgency === 'Immediate' || info.severity === 'Extreme' ? 'fullscreen' : 'band',
    expires_at_ms: expiresAt,
    source_doc: null,
    level: 'city',
    authorRegionId: city.id,
    scopeRegionIds: scopes,
    createdBy: actor,
  });
  const live = referenced.filter((w) => w.status === 'pending' || w.status === 'on_air');
  const onAir = live.find((w) => w.status === 'on_air');
  const row = warnings.insert(
    {
      ...base,
      cap_identifier: cap.identifier,
      cap_sender: cap.sender,
      cap_sent: cap.sent,
      cap_event: info.event || null,
      cap_severity: info.severity || null,
      cap_urgency: info.urgency || null,
      cap_certainty: info.certainty || null,
      supersedes: cap.msgType === 'Update' ? (onAir?.id ?? null) : null,
    },
    actor,
    { cap: { identifier: cap.identifier, msgType: cap.msgType, references: cap.references } },
  );
  if (cap.msgType === 'Update') {
    // A referenced alert that never aired is simply replaced by this one.
    for (const w of live) if (w.status === 'pending') warnings.end(w.id, actor, 'replaced');
    return {
      action: onAir ? 'superseding' : 'updated',
      warningId: row.id,
      message: onAir
        ? `Bản cập nhật ${row.id} chờ phê duyệt; khi duyệt sẽ thay ${onAir.id}. / Update ${row.id} waits for approval and then replaces ${onAir.id}.`
        : `Bản cập nhật ${row.id} chờ phê duyệt. / Update ${row.id} waits for approval.`,
    };
  }
  return {
    action: 'created',
    warningId: row.id,
    message: `Cảnh báo ${row.id} chờ phê duyệt. / Warning ${row.id} waits for approval.`,
  };
}

/** Every warning as a CAP 1.2 alert (a cancelled one as msgType Cancel referencing itself). */
export function exportCap(repos: Repositories, w: WarningRow, geocodes: GeocodeEntry[]): string {
  const zone = DEFAULT_TIME_ZONE;
  // CAP writes the offset as ±hh:mm, never 'Z' and without fractions of a second.
  const at = (ms: number) => toIsoWithOffset(ms, zone).replace(/\.\d+/, '').replace(/Z$/, '+00:00');
  const identifier = w.cap_identifier ?? `urn:ihanoi-signage:warning:${w.id}`;
  const sender = w.cap_sender ?? EXPORT_SENDER;
  const sent = w.cap_sent ?? at(w.approved_at_ms ?? w.created_at_ms);
  const cancelled = w.status === 'cancelled';
  const scopes = warningJson.scopeRegionIds(w.scope_region_ids, w.id);
  const status = w.status === 'on_air' || w.status === 'expired' || cancelled ? 'Actual' : 'Draft';
  const alert: Record<string, unknown> = {
    '@xmlns': CAP_NS,
    identifier: cancelled ? `${identifier}:cancel` : identifier,
    sender,
    sent: cancelled && w.ended_at_ms ? at(w.ended_at_ms) : sent,
    status,
    msgType: cancelled ? 'Cancel' : 'Alert',
    scope: 'Public',
    ...(cancelled ? { references: `${sender},${identifier},${sent}` } : {}),
    info: {
      language: 'vi-VN',
      category: 'Safety',
      event: w.cap_event ?? w.headline,
      urgency: w.cap_urgency ?? 'Immediate',
      severity: w.cap_severity ?? 'Severe',
      certainty: w.cap_certainty ?? 'Observed',
      expires: at(w.expires_at_ms),
      senderName: repos.regions.get(w.author_region_id)?.name ?? w.author_region_id,
      headline: w.headline,
      ...(w.body ? { description: w.body } : {}),
      area: scopes.map((id) => {
        const codes = geocodes.filter((g) => g.region === id);
        return {
          areaDesc: repos.regions.get(id)?.name ?? id,
          ...(codes.length
            ? { geocode: codes.map((g) => ({ valueName: g.valueName, value: g.value })) }
            : {}),
        };
      }),
    },
  };
  const builder = new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: '@',
    format: true,
    suppressEmptyNode: true,
  });
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ alert })}`;
}
