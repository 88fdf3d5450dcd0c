/**
 * Loads `playlists/` into the database: reads the JSON files, hashes the videos beside them,
 * validates everything with the shared parser, copies each video into the media store, and
 * writes regions, media, sites, screens and campaigns in ONE transaction, each change audited
 * as actor `playlist:<file>`.
 *
 * Reloading is idempotent: each object's file values are hashed (table playlist_objects) and an
 * object is written only when its file values changed since the last load. So loading twice
 * changes nothing, editing a file updates just what was edited, and an edit made through the
 * API survives restarts until someone edits that object in the file. Rows are never deleted:
 * plays, overrides and audit entries keep pointing at them.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import type { Clock } from '#shared/clock.ts';
import {
  formatPlaylistErrors,
  parsePlaylistFiles,
  type MediaFacts,
  type PlaylistError,
  type PlaylistFileText,
} from '#shared/playlist-parse.ts';
import type { PlaylistCampaign, PlaylistRegion, PlaylistSite } from '#shared/schemas/playlist.ts';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import type { Repositories } from '../repositories/index.ts';
import { diff } from '../repositories/sites.ts';
import { MediaStore, sha256OfFile } from '../media/store.ts';
import { sniffVideoFile } from '../media/sniff.ts';

export interface LoadCounts {
  created: number;
  updated: number;
  unchanged: number;
}

export interface LoadReport {
  files: string[];
  regions: LoadCounts;
  sites: LoadCounts;
  screens: LoadCounts;
  campaigns: LoadCounts;
  media: LoadCounts;
  /** Campaigns whose rows changed, and sites whose plan inputs changed, for re-planning. */
  changedCampaignIds: string[];
  changedSiteIds: string[];
}

export class PlaylistLoadError extends AppError {
  constructor(readonly errors: PlaylistError[]) {
    super('PLAYLIST_INVALID', formatPlaylistErrors(errors));
  }
}

const counts = (): LoadCounts => ({ created: 0, updated: 0, unchanged: 0 });

/** JSON with sorted keys, so equal values always hash the same. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}
const hashOf = (v: unknown) => createHash('sha256').update(stableJson(v)).digest('hex');

function listFiles(dir: string, keep: (name: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full, keep));
    else if (entry.isFile() && keep(entry.name)) out.push(full);
  }
  return out.sort();
}

export interface LoadOptions {
  db: Db;
  repos: Repositories;
  clock: Clock;
  playlistsDir: string;
  dataDir: string;
}

export async function loadPlaylists(opts: LoadOptions): Promise<LoadReport> {
  const { db, repos, playlistsDir } = opts;
  const shown = basename(playlistsDir);
  let jsonFiles: string[];
  try {
    if (!statSync(playlistsDir).isDirectory()) throw new Error('not a directory');
    jsonFiles = readdirSync(playlistsDir)
      .filter((f) => f.endsWith('.json'))
      .sort();
  } catch {
    throw new PlaylistLoadError([
      {
        file: playlistsDir,
        path: '$',
        expected: 'a directory of playlist JSON files (see --playlists-dir)',
        found: 'no such directory',
        message: `${playlistsDir}: no such directory`,
      },
    ]);
  }
  const files: PlaylistFileText[] = jsonFiles.map((f) => ({
    name: `${shown}/${f}`,
    text: readFileSync(join(playlistsDir, f), 'utf8'),
  }));
  const actorOf = (name: string) => `playlist:${name.slice(shown.length + 1)}`;

  // Digest every video under playlists/ so the parser can check what each campaign records.
  const media: Record<string, MediaFacts> = {};
  for (const full of listFiles(playlistsDir, (n) => /\.(mp4|webm)$/i.test(n))) {
    media[relative(playlistsDir, full).split(sep).join('/')] = await sha256OfFile(full);
  }

  const parsed = parsePlaylistFiles(files, { media });
  if (!parsed.ok) throw new PlaylistLoadError(parsed.errors);

  // The bytes must really be the video the campaign says, with the duration it says.
  const videoFacts = new Map<string, { mimeType: 'video/mp4' | 'video/webm'; durationMs: number }>();
  const mediaErrors: PlaylistError[] = [];
  for (const c of parsed.campaigns) {
    const sniff = sniffVideoFile(join(playlistsDir, c.media.file));
    if (!sniff.ok) {
      mediaErrors.push({
        file: c.file,
        path: '$.media.file',
        expected: 'an MP4 or WebM video',
        found: sniff.reason,
        message: `${c.file} $.media.file: ${sniff.reason}`,
      });
      continue;
    }
    if (sniff.facts.mimeType !== c.media.mimeType) {
      mediaErrors.push({
        file: c.file,
        path: '$.media.mimeType',
        expected: `"${sniff.facts.mimeType}" (what the file really is)`,
        found: JSON.stringify(c.media.mimeType),
        message: `${c.file} $.media.mimeType: the file is ${sniff.facts.mimeType}`,
      });
    }
    if (Math.abs(sniff.facts.durationMs - c.media.durationSeconds * 1000) > 500) {
      mediaErrors.push({
        file: c.file,
        path: '$.media.durationSeconds',
        expected: `the video's real length, ${sniff.facts.durationMs / 1000} seconds`,
        found: String(c.media.durationSeconds),
        message: `${c.file} $.media.durationSeconds: the video lasts ${sniff.facts.durationMs / 1000} s`,
      });
    }
    videoFacts.set(c.media.sha256, sniff.facts);
  }
  if (mediaErrors.length > 0) throw new PlaylistLoadError(mediaErrors);

  // Content-addressed copies are harmless if the transaction below fails: same bytes, same name.
  const store = new MediaStore(join(opts.dataDir, 'media'));
  for (const c of parsed.campaigns) await store.importFile(join(playlistsDir, c.media.file), c.media.sha256);

  const report: LoadReport = {
    files: files.map((f) => f.name),
    regions: counts(),
    sites: counts(),
    screens: counts(),
    campaigns: counts(),
    media: counts(),
    changedCampaignIds: [],
    changedSiteIds: [],
  };

  /** Writes an object when its file values changed since the last load; audits what changed. */
  const sync = (
    type: 'region' | 'site' | 'screen' | 'campaign',
    id: string,
    file: string,
    fileValues: unknown,
    c: LoadCounts,
    read: () => object | undefined,
    write: () => void,
    columns: string[],
  ): boolean => {
    const hash = hashOf(fileValues);
    if (repos.playlistObjects.get(type, id)?.content_hash === hash) {
      c.unchanged++;
      return false;
    }
    const before = read();
    write();
    const after = read()!;
    const changes = before ? diff(before, after, columns) : {};
    repos.playlistObjects.put(type, id, file.slice(shown.length + 1), hash);
    if (before && Object.keys(changes).length === 0) {
      c.unchanged++;
      return false;
    }
    if (before) c.updated++;
    else c.created++;
    repos.audit.record({
      actor: actorOf(file),
      action: `${type}.${before ? 'update' : 'create'}`,
      objectType: type,
      objectId: id,
      detail: before ? changes : { created: true },
    });
    return true;
  };

  const apply = db.transaction(() => {
    for (const r of parsed.regions) syncRegion(r);
    for (const c of parsed.campaigns) {
      const facts = videoFacts.get(c.media.sha256)!;
      const added = repos.media.add(
        {
          sha256: c.media.sha256,
          mime_type: facts.mimeType,
          duration_ms: facts.durationMs,
          bytes: c.media.bytes,
          original_name: basename(c.media.file),
        },
        actorOf(c.file),
      );
      if (added) report.media.created++;
      else report.media.unchanged++;
      for (const s of c.sites) syncSite(c, s);
      syncCampaign(c);
    }
  });

  const syncRegion = (r: PlaylistRegion) =>
    sync(
      'region',
      r.id,
      r.file,
      { parentId: r.parentId, name: r.name, level: r.level },
      report.regions,
      () => repos.regions.get(r.id),
      () =>
        repos.regions.upsert({
          id: r.id,
          parent_id: r.parentId,
          name: r.name,
          level: r.level,
          source: r.file.slice(shown.length + 1),
        }),
      ['parent_id', 'name', 'level'],
    );

  const syncSite = (c: PlaylistCampaign, s: PlaylistSite) => {
    const source = c.file.slice(shown.length + 1);
    const fields = {
      id: s.id,
      name: s.name,
      venue_type: s.venueType,
      address: s.address,
      region_id: s.regionId,
      time_zone: s.timeZone,
      opening_hours: JSON.stringify(s.openingHours),
      peak_profile: s.ownPeakProfile ? JSON.stringify(s.ownPeakProfile) : null,
      moving: s.moving ? 1 : 0,
      source,
    };
    const changed = sync(
      'site',
      s.id,
      c.file,
      fields,
      report.sites,
      () => repos.sites.get(s.id),
      () => repos.sites.put(fields),
      ['name', 'venue_type', 'address', 'region_id', 'time_zone', 'opening_hours', 'peak_profile', 'moving'],
    );
    if (changed) report.changedSiteIds.push(s.id);
    for (const sc of s.screens) {
      const screen = {
        id: sc.id,
        siteId: s.id,
        name: sc.name,
        resolution: sc.resolution,
        orientation: sc.orientation,
        source,
      };
      sync(
        'screen',
        sc.id,
        c.file,
        screen,
        report.screens,
        () => repos.screens.get(sc.id),
        () => repos.screens.putFromFile(screen),
        ['site_id', 'name', 'resolution', 'orientation'],
      );
    }
  };

  const syncCampaign = (c: PlaylistCampaign) => {
    const peakProfiles: Record<string, unknown> = {};
    const venueDefaults: Record<string, unknown> = {};
    for (const [type, d] of Object.entries(c.venueTypes)) {
      peakProfiles[type] = d.peakProfile;
      venueDefaults[type] = { openingHours: d.openingHours };
    }
    const fields = {
      id: c.id,
      name: c.name.vi,
      name_en: c.name.en,
      media_sha256: c.media.sha256,
      first_day: c.firstDay,
      last_day: c.lastDay,
      time_zone: c.timeZone,
      target_per_day: c.targetPerDay,
      average_basis: c.averageBasis,
      make_good_cap_pct: c.makeGoodCapPct,
      priority: c.priority,
      peak_profiles: JSON.stringify(peakProfiles),
      venue_defaults: JSON.stringify(venueDefaults),
      participants: JSON.stringify(c.participants),
      source: c.file.slice(shown.length + 1),
    };
    const changed = sync(
      'campaign',
      c.id,
      c.file,
      fields,
      report.campaigns,
      () => repos.campaigns.get(c.id),
      () => repos.campaigns.put(fields),
      [
        'name',
        'name_en',
        'media_sha256',
        'first_day',
        'last_day',
        'time_zone',
        'target_per_day',
        'average_basis',
        'make_good_cap_pct',
        'priority',
        'peak_profiles',
        'venue_defaults',
        'participants',
      ],
    );
    if (changed) report.changedCampaignIds.push(c.id);
  };

  try {
    apply();
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_CONSTRAINT')) {
      throw new AppError(
        'PLAYLIST_INVALID',
        `Không thể nạp playlists/: dữ liệu trong tệp xung đột với cơ sở dữ liệu (${(err as Error).message}); không có gì được nạp. / ` +
          `Cannot load playlists/: the files conflict with the database (${(err as Error).message}), e.g. a screen name already used at that site; nothing was loaded.`,
      );
    }
    throw err;
  }
  return report;
}
