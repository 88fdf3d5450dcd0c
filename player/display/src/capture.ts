/**
 * A screenshot of what the screen shows, for the console: the current video frame drawn onto a
 * canvas when a video is on screen (same-origin media from the core, so the canvas stays
 * readable), otherwise the waiting screen redrawn from its own texts (code, site, time), since a
 * page cannot rasterise its own DOM. Scaled to at most 960 px wide, JPEG.
 */
const MAX_WIDTH = 960;

export interface Frame {
  mime: 'image/jpeg';
  /** Base64 of the JPEG bytes. */
  data: string;
  width: number;
  height: number;
  what: 'video' | 'page';
}

function text(id: string): string {
  return document.getElementById(id)?.textContent.trim() ?? '';
}

function playingVideo(): HTMLVideoElement | null {
  for (const v of document.querySelectorAll<HTMLVideoElement>('#stage video'))
    if (!v.paused && v.readyState >= 2 && v.videoWidth > 0 && getComputedStyle(v).visibility !== 'hidden')
      return v;
  return null;
}

export function captureFrame(showingVideo: boolean, screen: string): Frame {
  const video = showingVideo ? playingVideo() : null;
  const srcW = video ? video.videoWidth : window.innerWidth || 1920;
  const srcH = video ? video.videoHeight : window.innerHeight || 1080;
  const scale = Math.min(1, MAX_WIDTH / srcW);
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(srcW * scale);
  canvas.height = Math.round(srcH * scale);
  const g = canvas.getContext('2d');
  if (!g) throw new Error('no 2D canvas');
  if (video) {
    g.drawImage(video, 0, 0, canvas.width, canvas.height);
  } else {
    const bg = getComputedStyle(document.body).backgroundColor || '#7f1d1d';
    g.fillStyle = bg === 'rgba(0, 0, 0, 0)' ? '#7f1d1d' : bg;
    g.fillRect(0, 0, canvas.width, canvas.height);
    g.fillStyle = '#ffffff';
    g.textAlign = 'center';
    const line = (s: string, y: number, px: number) => {
      g.font = `${Math.round(px * scale * 2)}px sans-serif`;
      g.fillText(s, canvas.width / 2, y * canvas.height);
    };
    if (screen === 'pairing') {
      line('Mã ghép nối / Pairing code', 0.3, 24);
      line(text('pairing-code'), 0.5, 64);
      line(text('pairing-expiry'), 0.65, 16);
    } else {
      line(text('idle-site'), 0.3, 28);
      line(text('idle-time'), 0.5, 64);
      line(text('idle-date'), 0.62, 20);
    }
    if (!document.getElementById('offline')?.hidden) line('● Mất kết nối / Offline', 0.92, 14);
  }
  const url = canvas.toDataURL('image/jpeg', 0.7);
  return {
    mime: 'image/jpeg',
    data: url.slice(url.indexOf(',') + 1),
    width: canvas.width,
    height: canvas.height,
    what: video ? 'video' : 'page',
  };
}
