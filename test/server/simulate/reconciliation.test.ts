/** The simulator summary's reconciliation line: owed = delivered + what was not, each named. */
import { describe, expect, it } from 'vitest';
import { reconciliation } from '#server/simulate/engine.ts';

const totals = (owed: number, delivered: number) => ({ owed, delivered, planned: owed, makeGoods: 0 });

describe('reconciliation', () => {
  it('says owed = delivered when they match', () => {
    expect(reconciliation({ totals: totals(100, 100), failedNoTimeLeft: [] })).toBe(
      'Đối chiếu / reconciliation: nợ / owed 100 = đã phát / delivered 100',
    );
  });

  it('lists the failed plays with no time left, screen and time', () => {
    const line = reconciliation({
      totals: totals(100, 98),
      failedNoTimeLeft: [
        { screenId: 'noi-bai-t1/1', at: '10/10/2024 23:58' },
        { screenId: 'led-nga-tu-so/1', at: '10/10/2024 21:59' },
      ],
    });
    expect(line).toBe(
      'Đối chiếu / reconciliation: nợ / owed 100 = đã phát / delivered 98 + 2 lượt lỗi không còn giờ bù / ' +
        'failed plays with no time left (màn, giờ / screen, time: noi-bai-t1/1 10/10/2024 23:58; led-nga-tu-so/1 10/10/2024 21:59)',
    );
  });

  it('names any other shortfall, and plays above what was owed', () => {
    const f = [{ screenId: 's/1', at: '10/10/2024 16:59' }];
    expect(reconciliation({ totals: totals(100, 96), failedNoTimeLeft: f })).toMatch(
      /delivered 96 \+ 1 lượt lỗi .* \+ 3 lượt lỡ khác chưa bù \/ other missed plays not made good$/,
    );
    expect(reconciliation({ totals: totals(100, 101), failedNoTimeLeft: [] })).toMatch(
      /delivered 101 − 1 lượt phát vượt mức nợ \/ plays above what was owed$/,
    );
  });
});
