/**
 * Image and text communications as plan inputs (decision 013), and what each player version is
 * given: a v2 player gets image spots and the day's texts; a v1 player gets neither image spots
 * (it only plays videos) nor anything it would misread (texts ride in a field it drops).
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PlanDay, type Plan } from '#shared/schemas/protocol.ts';
import { buildPlan } from '#server/ws/plan.ts';
import { TEXT_DISPLAY_MS, textSha256 } from '#server/comms/schedule.ts';
import { startSeededServer, userClient, type Client } from '../helpers/api.ts';
import type { TestServer } from '../helpers/server.ts';

const BACH_KHOA = 'ha-noi/hai-ba-trung/bach-khoa';
const SCREEN = 'mot-cua-phuong-bach-khoa/1';
const IMAGE = createHash('sha256').update('a still image').digest('hex');
let s: TestServer;
let approver: Client;
let imageId: string;
let textId: string;

beforeAll(async () => {
  s = await startSeededServer();
  approver = await userClient(s, 'ubnd.bachkhoa', 'comms_approver', [{ kind: 'region', id: BACH_KHOA }]);
  s.db
    .prepare(
      `INSERT INTO media (sha256, kind, mime_type, duration_ms, bytes, name, original_name, created_at_ms)
       VALUES (?, 'image', 'image/png', 8000, 1234, 'a.png', 'a.png', 0)`,
    )
    .run(IMAGE);
  const day = { firstDay: '2024-09-05', lastDay: '2024-09-07' };
  const img = await approver.post('/api/v1/communications', {
    title: 'Ảnh',
    mediaSha256: IMAGE,
    playsPerDay: 4,
    ...day,
  });
  const txt = await approver.post('/api/v1/communications', {
    title: 'Thông báo',
    body: 'Phường Bách Khoa: tiếp công dân thứ Năm.',
    playsPerDay: 3,
    ...day,
  });
  imageId = img.body.id as string;
  textId = txt.body.id as string;
  for (const id of [imageId, textId]) {
    const a = await approver.post(`/api/v1/communications/${id}/approve`);
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(a.body.scheduled).toBe(true);
  }
  await s.app.plans.idle();
});
afterAll(() => s.close());

const today = (plan: Plan) => plan.days.find((d) => d.date === '2024-09-05')!;

it('a v2 player is given the image as spots of its display duration, and the text among the day’s texts', () => {
  const plan = buildPlan(s.app.repos.planMessages, SCREEN, s.clock.now(), 2)!;
  const day = today(plan);
  const images = day.items.filter((i) => i.campaignId === imageId);
  expect(images).toHaveLength(4);
  expect(images.every((i) => i.mediaSha256 === IMAGE && i.end - i.start === 8000)).toBe(true);
  expect(plan.media.find((m) => m.sha256 === IMAGE)?.mimeType).toBe('image/png');
  const words = { title: 'Thông báo', body: 'Phường Bách Khoa: tiếp công dân thứ Năm.' };
  const texts = (day.texts ?? []).filter((t) => t.campaignId === textId);
  expect(texts).toHaveLength(3);
  for (const t of texts) {
    expect(t).toMatchObject({ ...words, mediaSha256: textSha256(words) });
    expect(t.end - t.start).toBe(TEXT_DISPLAY_MS);
  }
  // A text is no media: nothing to download, and not among the spots.
  expect(day.items.some((i) => i.campaignId === textId)).toBe(false);
  expect(plan.media.some((m) => m.sha256 === textSha256(words))).toBe(false);
  // The stored message every v2 player is pushed is v2 (it carries image spots).
  const stored = JSON.parse(s.app.repos.planMessages.get(SCREEN)!.message) as Plan;
  expect(stored.v).toBe(2);
});

it('a v1 player gets no image spot, and a player from before texts drops them unread', () => {
  const v1 = buildPlan(s.app.repos.planMessages, SCREEN, s.clock.now(), 1)!;
  expect(v1.v).toBe(1);
  expect(v1.days.flatMap((d) => d.items).some((i) => i.campaignId === imageId)).toBe(false);
  expect(v1.media.some((m) => m.mimeType.startsWith('image/'))).toBe(false);
  // An older player's PlanDay has no `texts`: its parser keeps the spots and drops the rest.
  const OldPlanDay = PlanDay.omit({ texts: true });
  const old = OldPlanDay.parse(JSON.parse(JSON.stringify(today(v1))));
  expect(old).not.toHaveProperty('texts');
  expect(old.items.length).toBeGreaterThan(0);
});
