/**
 * The urgent-warning relay of the player gateway. On 'warning-on' it sends the warning to every
 * connected screen in scope (one serialised message written to each socket), on 'warning-off'
 * it clears it, and after a screen's `welcome` it sends whatever is on air for that screen's
 * site. Proof-of-display reports from players are gathered for a few ms and stored in one
 * transaction, like proof of play, so 10,000 screens reporting at once cost a handful of commits.
 */
import type { FastifyInstance } from 'fastify';
import { PROTOCOL_VERSION, type UrgentWarning, type WarningClearReason } from '#shared/schemas/protocol.ts';
import { warningJson } from '../repositories/communications.ts';

const GATHER_MS = 3;

interface OnAir {
  warning: UrgentWarning;
  text: string;
  sites: Set<string>;
}

export interface WarningRelayDeps {
  /** Writes an already serialised message to every socket of the screen; false if none is open. */
  sendText(screenId: string, text: string): boolean;
  connectedScreenIds(): Iterable<string>;
  siteOf(screenId: string): string | undefined;
}

export function warningRelay(app: FastifyInstance, deps: WarningRelayDeps) {
  const repo = app.repos.communications;
  const onAir = new Map<string, OnAir>();
  const known = new Set<string>();

  function load(id: string): OnAir | undefined {
    const row = repo.getWarning(id);
    if (!row || row.status !== 'on_air') return undefined;
    const warning: UrgentWarning = {
      id: row.id,
      headline: row.headline,
      body: row.body,
      display: row.display,
      expiresAt: row.expires_at_ms,
    };
    const scopes = warningJson.scopeRegionIds(row.scope_region_ids, row.id);
    const entry = {
      warning,
      text: JSON.stringify({ type: 'warning', v: PROTOCOL_VERSION, warning }),
      sites: new Set(repo.sitesInRegions(scopes).map((s) => s.id)),
    };
    onAir.set(id, entry);
    known.add(id);
    return entry;
  }
  for (const w of repo.onAirWarnings()) load(w.id);

  /** A delivery mark the database cannot take now (e.g. locked) must not stop the warning itself. */
  function safely(what: string, write: () => void): void {
    try {
      write();
    } catch (err) {
      app.log.error({ err }, `urgent warning: could not ${what}`);
    }
  }

  function on(id: string): void {
    const entry = load(id);
    if (!entry) return;
    const sent: string[] = [];
    for (const screenId of deps.connectedScreenIds()) {
      const site = deps.siteOf(screenId);
      if (site && entry.sites.has(site) && deps.sendText(screenId, entry.text)) sent.push(screenId);
    }
    safely('mark sent', () => repo.markSent(id, sent, app.clock.now()));
    app.log.info(
      { warningId: id, screens: sent.length },
      'urgent warning sent to the connected screens in scope',
    );
  }

  function off(id: string, reason: WarningClearReason): void {
    const entry = onAir.get(id) ?? load(id);
    onAir.delete(id);
    if (!entry) return;
    const text = JSON.stringify({ type: 'warning_clear', v: PROTOCOL_VERSION, warningId: id, reason });
    for (const screenId of deps.connectedScreenIds()) {
      const site = deps.siteOf(screenId);
      if (site && entry.sites.has(site)) deps.sendText(screenId, text);
    }
  }

  /** After `welcome`: a screen that was offline gets what is still on air for its site. */
  function onHello(screenId: string, siteId: string): void {
    const now = app.clock.now();
    const sent: string[] = [];
    for (const entry of onAir.values()) {
      if (entry.warning.expiresAt <= now || !entry.sites.has(siteId)) continue;
      if (deps.sendText(screenId, entry.text)) sent.push(entry.warning.id);
    }
    for (const id of sent) safely('mark sent', () => repo.markSent(id, [screenId], now));
  }

  type Report = {
    warningId: string;
    screenId: string;
    kind: 'shown' | 'cleared';
    at: number;
    reason?: string;
  };
  let queue: Report[] = [];
  let scheduled = false;

  function report(r: Report): void {
    if (!known.has(r.warningId)) {
      if (!repo.warningExists(r.warningId)) return;
      known.add(r.warningId);
    }
    queue.push(r);
    if (!scheduled) {
      scheduled = true;
      setTimeout(drain, GATHER_MS);
    }
  }

  function drain(): void {
    scheduled = false;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return;
    try {
      repo.recordDisplayReports(batch);
    } catch (err) {
      app.log.error({ err, reports: batch.length }, 'could not store proof-of-display reports');
      return;
    }
    const per = new Map<string, { shown: number; cleared: number }>();
    for (const r of batch) {
      const c = per.get(r.warningId) ?? { shown: 0, cleared: 0 };
      c[r.kind]++;
      per.set(r.warningId, c);
    }
    for (const [warningId, c] of per) app.events.emit('warning-proof', { warningId, ...c });
  }

  const offOn = app.events.on('warning-on', ({ warningId }) => on(warningId));
  const offOff = app.events.on('warning-off', ({ warningId, reason }) => off(warningId, reason));

  return {
    onHello,
    report,
    close(): void {
      offOn();
      offOff();
      drain();
    },
  };
}
