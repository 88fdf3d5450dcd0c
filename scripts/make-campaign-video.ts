/**
 * Makes the second example campaign's video, playlists/media/giai-phong-thu-do-70.mp4 (10 s,
 * 640x360, H.264, well under 100 KB), from ffmpeg's own generated sources (no input files), and
 * writes its sha256, size and duration into playlists/giai-phong-thu-do-70.json:
 *
 *   npx tsx scripts/make-campaign-video.ts
 *
 * Needs ffmpeg with libx264 and drawtext (libfreetype), and the DejaVu fonts, which cover the
 * Vietnamese diacritics (Debian: apt-get install ffmpeg fonts-dejavu-core). FONT and
 * FONT_REGULAR override the font files. The flags ask for bit-exact output, so one ffmpeg build
 * makes the same bytes every time.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'playlists');
const out = join(root, 'media', 'giai-phong-thu-do-70.mp4');
const campaignFile = join(root, 'giai-phong-thu-do-70.json');
const font = process.env['FONT'] ?? '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';
const fontRegular = process.env['FONT_REGULAR'] ?? '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
const SECONDS = 10;

const tmp = mkdtempSync(join(tmpdir(), 'campaign-video-'));
try {
  // Text goes through files so that ":" and "–" need no filter escaping.
  const text = (name: string, value: string) => {
    const file = join(tmp, name);
    writeFileSync(file, value);
    return file;
  };
  const title = text('title.txt', '70 năm Giải phóng Thủ đô');
  const dates = text('dates.txt', '10/10/1954 – 10/10/2024');
  const line = text('line.txt', 'Hà Nội – Thành phố vì hoà bình · Hanoi, City for Peace');
  // A red field with a gold band, a star that grows in, the two dates, and a progress bar so a
  // viewer (or a test) can see playback advancing.
  const filter = [
    `drawbox=x=0:y=290:w=640:h=70:color=0xFFD600:t=fill`,
    `drawbox=x=0:y=352:w='640*t/${SECONDS}':h=8:color=0x7F0000:t=fill`,
    `drawtext=fontfile=${font}:text='★':fontsize='40+40*min(t,2)/2':fontcolor=0xFFD600:x=(w-text_w)/2:y=20`,
    `drawtext=fontfile=${font}:textfile=${title}:fontsize=34:fontcolor=white:x=(w-text_w)/2:y=130`,
    `drawtext=fontfile=${fontRegular}:textfile=${dates}:fontsize=26:fontcolor=0xFFE082:x=(w-text_w)/2:y=185`,
    `drawtext=fontfile=${fontRegular}:textfile=${line}:fontsize=18:fontcolor=0x7F0000:x=(w-text_w)/2:y=312`,
  ].join(',');
  execFileSync(
    'ffmpeg',
    [
      ...['-hide_banner', '-loglevel', 'error', '-y'],
      ...['-f', 'lavfi', '-i', `color=c=0xC62828:s=640x360:r=25:d=${SECONDS}`],
      ...['-vf', filter],
      ...['-c:v', 'libx264', '-preset', 'slow', '-crf', '28', '-pix_fmt', 'yuv420p', '-profile:v', 'main'],
      ...['-threads', '1', '-movflags', '+faststart', '-map_metadata', '-1'],
      ...['-fflags', '+bitexact', '-flags:v', '+bitexact'],
      out,
    ],
    { stdio: 'inherit' },
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const bytes = statSync(out).size;
const sha256 = createHash('sha256').update(readFileSync(out)).digest('hex');
// The file keeps its own layout (prettier's): only the three values change. Each key appears once,
// in "media".
const json = readFileSync(campaignFile, 'utf8')
  .replace(/"sha256": "[0-9a-f]*"/, `"sha256": "${sha256}"`)
  .replace(/"bytes": \d+/, `"bytes": ${bytes}`)
  .replace(/"durationSeconds": [\d.]+/, `"durationSeconds": ${SECONDS}`);
writeFileSync(campaignFile, json);
console.log(`${out}: ${bytes} bytes, sha256 ${sha256}; ${campaignFile} updated`);
