/**
 * All SQL lives in repositories (one per aggregate) and migrations. Each repository prepares
 * its statements once, when the app is built.
 */
import type { Clock } from '#shared/clock.ts';
import type { Db } from '../db/database.ts';
import { auditRepository } from './audit.ts';
import { sessionsRepository } from './sessions.ts';
import { usersRepository } from './users.ts';
import { reportsRepository } from './reports.ts';
import { regionsRepository } from './regions.ts';
import { sitesRepository } from './sites.ts';
import { screensRepository } from './screens.ts';
import { mediaRepository } from './media.ts';
import { loopsRepository } from './loops.ts';
import { thirdPartyPlaysRepository } from './third-party-plays.ts';
import { campaignsRepository } from './campaigns.ts';
import { overridesRepository } from './overrides.ts';
import { playlistObjectsRepository } from './playlist-objects.ts';
import { plansRepository } from './plans.ts';
import { planMessagesRepository } from './plan-messages.ts';
import { screenSessionsRepository } from './screen-sessions.ts';
import { communicationsRepository } from './communications.ts';
import { notificationsRepository } from './notifications.ts';
import { pairingRepository } from './pairing.ts';
import { playsRepository } from './plays.ts';

export function createRepositories(db: Db, clock: Clock) {
  const audit = auditRepository(db, clock);
  return {
    audit,
    sessions: sessionsRepository(db),
    users: usersRepository(db),
    regions: regionsRepository(db),
    sites: sitesRepository(db, clock, audit),
    screens: screensRepository(db, clock, audit),
    media: mediaRepository(db, clock, audit),
    loops: loopsRepository(db, clock, audit),
    thirdPartyPlays: thirdPartyPlaysRepository(db, clock, audit),
    campaigns: campaignsRepository(db, clock, audit),
    overrides: overridesRepository(db, clock, audit),
    playlistObjects: playlistObjectsRepository(db, clock),
    reports: reportsRepository(db),
    plans: plansRepository(db),
    planMessages: planMessagesRepository(db),
    screenSessions: screenSessionsRepository(db),
    communications: communicationsRepository(db),
    notifications: notificationsRepository(db),
    pairing: pairingRepository(db, audit),
    plays: playsRepository(db),
    // @repos-end (add repositories above this line)
  };
}
export type Repositories = ReturnType<typeof createRepositories>;
