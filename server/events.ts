import { EventEmitter } from 'node:events';

/**
 * In-process domain events. Route plugins emit what changed; the plan service re-plans and the
 * player gateway pushes `plan_changed` to the affected screens. Keeps resources from importing
 * each other.
 */
/** A screen's stored `plan` message: its version and its UTF-8 bytes. */
export interface PlanBytes {
  version: number;
  bytes: Buffer;
}

export interface DomainEvents {
  /** Something that shapes plans changed: campaign edit, override, media, opening hours. */
  'plan-inputs-changed': { campaignId?: string; siteIds?: string[]; screenIds?: string[]; reason: string };
  /**
   * The plan service stored new plan versions for these screens. `messages` holds the `plan`
   * message of each screen as it was just committed, already encoded, so the gateway pushes those
   * bytes without reading or encoding them again; a screen missing from it is read from
   * plan_messages.
   */
  'plans-updated': { screenIds: string[]; messages?: ReadonlyMap<string, PlanBytes> };
  'screen-revoked': { screenId: string };
  'pairing-claimed': { code: string; screenId: string };
  'plays-ingested': { screenId: string; count: number };
  /** A campaign play of the screen's today that did not complete (failed, interrupted) was stored. */
  'play-failed-today': { screenId: string };
  /** What people see of a screen changed: online/offline, its status message, name or site. */
  'screen-changed': { screenId: string };
  /** Someone asked a screen for a screenshot. */
  'screenshot-requested': { screenId: string; requestId: string };
  /** A screen answered a screenshot request. */
  'screenshot-taken': {
    screenId: string;
    requestId: string;
    takenAt: number;
    bytes: Buffer | null;
    width?: number;
    height?: number;
    what?: 'video' | 'page';
    error?: string;
  };
  /** An urgent warning was approved: the player gateway puts it on the screens in scope. */
  'warning-on': { warningId: string };
  /** An urgent warning was cancelled, replaced or expired: the gateway clears it. */
  'warning-off': { warningId: string; reason: 'cancelled' | 'expired' | 'replaced' };
  /** Proof-of-display reports for a warning were stored (counts in this commit). */
  'warning-proof': { warningId: string; shown: number; cleared: number };
}

export class DomainEventBus {
  private readonly emitter = new EventEmitter();
  constructor() {
    this.emitter.setMaxListeners(100);
  }
  emit<K extends keyof DomainEvents>(name: K, payload: DomainEvents[K]): void {
    this.emitter.emit(name, payload);
  }
  on<K extends keyof DomainEvents>(name: K, fn: (payload: DomainEvents[K]) => void): () => void {
    this.emitter.on(name, fn);
    return () => this.emitter.off(name, fn);
  }
}
