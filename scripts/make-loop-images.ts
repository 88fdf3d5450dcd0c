/**
 * Regenerates the sample still images in playlists/media/ (the venue-loop examples) by drawing on a
 * canvas in Chromium, since the build machine has no image tools: `npx tsx scripts/make-loop-images.ts`.
 * Chromium encodes the same drawing the same way, so the files are stable for one Chromium build.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = join(dirname(fileURLToPath(import.meta.url)), '..', 'playlists', 'media');
const images = [
  {
    file: 'loop-notice.jpg',
    type: 'image/jpeg',
    bg: '#0d47a1',
    title: 'Thông báo / Notice',
    line: 'Giờ làm việc 08:00–17:00',
  },
  {
    file: 'loop-qr.png',
    type: 'image/png',
    bg: '#1b5e20',
    title: 'Quét mã / Scan',
    line: 'Dịch vụ công trực tuyến',
  },
  {
    file: 'loop-poster.webp',
    type: 'image/webp',
    bg: '#4a148c',
    title: 'Áp phích / Poster',
    line: 'Ngày hội sách 2024',
  },
];

const browser = await chromium.launch({
  executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu'],
});
const page = await browser.newPage();
for (const img of images) {
  const dataUrl = await page.evaluate((o) => {
    const c = document.createElement('canvas');
    c.width = 640;
    c.height = 360;
    const g = c.getContext('2d')!;
    g.fillStyle = o.bg;
    g.fillRect(0, 0, 640, 360);
    g.fillStyle = '#ffd600';
    g.fillRect(0, 300, 640, 60);
    g.fillStyle = '#fff';
    g.font = 'bold 40px sans-serif';
    g.fillText(o.title, 40, 120);
    g.font = '24px sans-serif';
    g.fillText(o.line, 40, 180);
    return c.toDataURL(o.type, 0.85);
  }, img);
  writeFileSync(join(here, img.file), Buffer.from(dataUrl.split(',')[1]!, 'base64'));
  console.log(img.file);
}
await browser.close();
