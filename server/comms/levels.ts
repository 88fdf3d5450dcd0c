/**
 * Levels and areas, as the city office's letter sets them out: three levels send (city,
 * district, ward), each only to its own area. A communications account acts for the one
 * region in its scope; that region's level is the account's level.
 */
import { CommLevel, LEVEL_RANK } from '#shared/schemas/comms.ts';
import type { AuthUser } from '../plugins/auth.ts';
import type { Repositories } from '../repositories/index.ts';
import type { RegionRow } from '../repositories/regions.ts';
import { AppError, fieldError } from '../errors.ts';

export interface Home {
  region: RegionRow;
  level: CommLevel;
}

export const COMMS_ROLES = ['comms_editor', 'comms_approver'] as const;

export const LEVEL_NAMES: Record<CommLevel, string> = {
  city: 'cấp Thành phố / city level',
  district: 'cấp quận, huyện / district level',
  ward: 'cấp phường, xã / ward level',
};

/** The region an editor or approver acts for: the one region of their scope. */
export function homeOf(repos: Repositories, user: AuthUser): Home {
  const regions = repos.users.scopes(user.id).filter((s) => s.kind === 'region');
  const region = regions.length === 1 ? repos.regions.get(regions[0]!.ref_id) : undefined;
  const level = region ? CommLevel.safeParse(region.level) : undefined;
  if (!region || !level?.success) {
    throw new AppError(
      'FORBIDDEN',
      'Tài khoản truyền thông phải có đúng một phạm vi là thành phố, một quận/huyện hoặc một phường/xã. / A communications account needs exactly one region scope: the city, a district or a ward.',
    );
  }
  return { region, level: level.data };
}

/** Region ids from the root down to `regionId` itself. */
export function lineage(repos: Repositories, regionId: string): string[] {
  return repos.regions.ancestors(regionId).map((r) => r.id);
}

/** `inner` is `outer` or lies below it. */
export function covers(repos: Repositories, outer: string, inner: string): boolean {
  return lineage(repos, inner).includes(outer);
}

/** A scope is the author's region or a part of it, never wider. */
export function checkScope(repos: Repositories, home: Home, scopeRegionId: string): RegionRow {
  const region = repos.regions.get(scopeRegionId);
  if (!region) {
    throw new AppError(
      'VALIDATION_FAILED',
      `Không có địa bàn "${scopeRegionId}". / There is no region "${scopeRegionId}".`,
      [
        fieldError(
          'body.scopeRegionId',
          'cần mã của một địa bàn có thật',
          'expected the id of an existing region',
        ),
      ],
    );
  }
  if (!covers(repos, home.region.id, region.id)) {
    throw new AppError(
      'OUT_OF_SCOPE',
      `Địa bàn "${region.name}" nằm ngoài địa bàn của bạn (${home.region.name}); mỗi cấp chỉ gửi trong địa bàn của mình. / "${region.name}" is outside your area (${home.region.name}): each level sends only within its own area.`,
    );
  }
  return region;
}

export const isHigher = (a: CommLevel, b: CommLevel): boolean => LEVEL_RANK[a] < LEVEL_RANK[b];
