#!/bin/sh
# Regenerates the sample media in this folder with ffmpeg (lavfi sources only, no inputs).
# After running it, update "sha256", "bytes" and "durationSeconds" in playlists/ihanoi-2024.json:
#   sha256sum ihanoi-promo.mp4; stat -c %s ihanoi-promo.mp4
# Needs ffmpeg with libx264, libvpx-vp9 and drawtext (libfreetype), and the DejaVu fonts
# (Debian: apt-get install ffmpeg fonts-dejavu-core) because they cover Vietnamese diacritics.
set -eu
cd "$(dirname "$0")"
FONT=${FONT:-/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf}
FONT_REGULAR=${FONT_REGULAR:-/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# Text goes through files so that ":" and "—" need no filter escaping.
printf 'iHanoi — Công dân Thủ đô số' > "$TMP/title.txt"
printf 'Tải ứng dụng iHanoi để gửi phản ánh, tra cứu dịch vụ công' > "$TMP/line1.txt"
printf 'Get the iHanoi app · UBND Thành phố Hà Nội' > "$TMP/line2.txt"

# 15 s, 640x360: Hà Nội red card, a star-like marker sweeping across, a progress bar and a
# running clock so a viewer (or a test) can see playback advancing.
ffmpeg -hide_banner -loglevel error -y \
  -f lavfi -i "color=c=0xB71C1C:s=640x360:r=25:d=15" \
  -vf "drawbox=x=0:y=300:w=640:h=60:color=0x7F0000:t=fill,\
drawbox=x=0:y=352:w='640*t/15':h=8:color=0xFFD600:t=fill,\
drawbox=x='20+(600-40)*abs(mod(t,6)-3)/3':y=250:w=40:h=40:color=0xFFD600:t=fill,\
drawtext=fontfile=$FONT:textfile=$TMP/title.txt:fontsize=34:fontcolor=white:x=(w-text_w)/2:y=80,\
drawtext=fontfile=$FONT_REGULAR:textfile=$TMP/line1.txt:fontsize=18:fontcolor=white:x=(w-text_w)/2:y=150,\
drawtext=fontfile=$FONT_REGULAR:textfile=$TMP/line2.txt:fontsize=18:fontcolor=0xFFE082:x=(w-text_w)/2:y=185,\
drawtext=fontfile=$FONT_REGULAR:text='%{pts\:hms}':fontsize=20:fontcolor=white:x=20:y=315" \
  -c:v libx264 -preset slow -crf 23 -pix_fmt yuv420p -profile:v main -threads 1 \
  -movflags +faststart -map_metadata -1 -fflags +bitexact -flags:v +bitexact \
  ihanoi-promo.mp4

# 5 s VP9 clip for tests; not part of any campaign.
printf 'Test clip / Đoạn thử' > "$TMP/test.txt"
ffmpeg -hide_banner -loglevel error -y \
  -f lavfi -i "testsrc2=s=320x180:r=25:d=5" \
  -vf "drawtext=fontfile=$FONT:textfile=$TMP/test.txt:fontsize=20:fontcolor=white:box=1:boxcolor=black@0.6:x=10:y=10" \
  -c:v libvpx-vp9 -b:v 150k -deadline good -cpu-used 4 -row-mt 0 -threads 1 -pix_fmt yuv420p \
  -map_metadata -1 -fflags +bitexact -flags:v +bitexact \
  test-clip.webm
