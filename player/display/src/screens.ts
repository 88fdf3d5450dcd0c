/**
 * The state screens (pairing, downloading, idle) and the two marks that sit over everything
 * (urgent message, offline). Text from the core only ever goes in through textContent.
 */
import QRCode from 'qrcode';
import type { StateMessage } from '#shared/schemas/display.ts';
import { DEFAULT_TIME_ZONE } from '#shared/schemas/domain.ts';
import { formatDate, formatTime, instantToZoned } from '#shared/time.ts';

/**
 * Where the idle QR code points unless the core says otherwise (`state.appUrl`). The address
 * could not be checked against an official source when this was written: a deployment should
 * send the city's real download page through `appUrl`.
 */
export const DEFAULT_APP_URL = 'https://ihanoi.hanoi.gov.vn';

const WEEKDAYS_VI = ['Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy', 'Chủ Nhật'];

export type ScreenName = 'connecting' | 'pairing' | 'downloading' | 'idle';

function byId(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`display page: #${id} is missing from index.html`);
  return el;
}

export class Screens {
  private readonly body = document.body;
  private readonly pairingCode = byId('pairing-code');
  private readonly pairingQr = byId('pairing-qr');
  private readonly pairingExpiry = byId('pairing-expiry');
  private readonly downloadBar = byId('download-bar');
  private readonly downloadText = byId('download-text');
  private readonly idleQr = byId('idle-qr');
  private readonly idleSite = byId('idle-site');
  private readonly idleTime = byId('idle-time');
  private readonly idleDate = byId('idle-date');
  private readonly overlay = byId('overlay');
  private readonly overlayText = byId('overlay-text');
  private readonly overlayTitle = byId('overlay-title');
  private readonly offlineMark = byId('offline');

  private screen: ScreenName = 'connecting';
  private videoVisible = false;
  private timeZone = DEFAULT_TIME_ZONE;
  private pairingQrFor = '';
  private idleQrFor = '';
  private qrJobs = 0;
  private pairingExpiresAt: number | null = null;

  get current(): ScreenName {
    return this.screen;
  }

  get showingVideo(): boolean {
    return this.videoVisible;
  }

  apply(state: StateMessage, now: number): void {
    if (state.site) this.timeZone = state.site.timeZone;
    this.idleSite.textContent = state.site?.name ?? '';
    this.setOverlay(state.message, state.urgent);
    this.body.classList.toggle('dark', state.dark === true && state.mode === 'idle');

    switch (state.mode) {
      case 'pairing':
        this.showPairing(state);
        this.setScreen('pairing');
        break;
      case 'downloading':
        this.showDownload(state);
        this.setScreen('downloading');
        break;
      case 'idle':
      case 'playing':
        // 'playing' is the core's view; the page raises video itself at the planned instant,
        // and falls back to the idle screen whenever no frame is on screen.
        this.setScreen('idle');
        break;
    }
    this.renderQr(this.idleQr, state.appUrl ?? DEFAULT_APP_URL, 'idle');
    this.tick(now);
  }

  setVideoVisible(visible: boolean): void {
    this.videoVisible = visible;
    this.body.classList.toggle('video', visible);
  }

  setOffline(offline: boolean): void {
    this.offlineMark.hidden = !offline;
  }

  /** Called every second: the idle clock, and the pairing code's expiry. */
  tick(now: number): void {
    if (this.screen === 'pairing') this.showExpiry(now);
    if (this.screen !== 'idle') return;
    const tz = this.timeZone;
    this.idleTime.textContent = formatTime(now, tz);
    const weekday = WEEKDAYS_VI[instantToZoned(now, tz).weekday] ?? '';
    this.idleDate.textContent = `${weekday}, ${formatDate(now, tz)}`;
  }

  private showExpiry(now: number): void {
    const expiresAt = this.pairingExpiresAt;
    if (expiresAt === null) {
      this.pairingExpiry.textContent = '';
      return;
    }
    const at = formatTime(expiresAt, this.timeZone);
    // The server refuses an expired code; the core asks for a new one at once, and until it
    // arrives the screen says so instead of leaving a dead code up.
    this.pairingExpiry.textContent =
      now < expiresAt
        ? `Mã có hiệu lực đến ${at}. / The code is valid until ${at}.`
        : 'Mã đã hết hạn: đang lấy mã mới… / The code has expired: getting a new one…';
    this.pairingExpiry.classList.toggle('expired', now >= expiresAt);
  }

  private setScreen(name: ScreenName): void {
    if (this.screen === name) return;
    this.body.classList.remove(`screen-${this.screen}`);
    this.body.classList.add(`screen-${name}`);
    this.screen = name;
  }

  /** The urgent warning on screen now, if any (its id is what the page reports as shown). */
  get urgentId(): string | null {
    return this.overlay.hidden ? null : (this.overlay.dataset['urgentId'] ?? null);
  }

  /**
   * One overlay for the core's notes (e.g. enrolling) and for urgent warnings; a warning wins.
   * A warning is either full screen (covers the content) or a band over it, as its author chose.
   */
  private setOverlay(message: string | undefined, urgent: StateMessage['urgent']): void {
    const text = urgent
      ? [urgent.headline, urgent.body].filter((t) => t.trim() !== '').join('\n')
      : (message?.trim() ?? '');
    this.overlay.hidden = text === '';
    this.overlayText.textContent = text;
    this.overlay.classList.toggle('urgent', !!urgent);
    this.overlay.classList.toggle('fullscreen', urgent?.display === 'fullscreen');
    this.overlay.classList.toggle('band', urgent?.display === 'band');
    if (urgent) this.overlay.dataset['urgentId'] = urgent.id;
    else delete this.overlay.dataset['urgentId'];
    this.overlayTitle.textContent = urgent ? 'CẢNH BÁO KHẨN / URGENT WARNING' : 'THÔNG BÁO KHẨN / URGENT';
  }

  private showPairing(state: StateMessage): void {
    const pairing = state.pairing;
    const code = pairing?.code ?? '';
    this.pairingCode.textContent = code;
    for (const el of document.querySelectorAll('.code-inline')) el.textContent = code;
    this.pairingExpiresAt = pairing?.expiresAt ?? null;
    if (pairing) this.renderQr(this.pairingQr, pairing.claimUrl ?? code, 'pairing');
  }

  private showDownload(state: StateMessage): void {
    const d = state.download;
    if (!d) {
      this.downloadBar.style.width = '0%';
      this.downloadText.textContent = '';
      return;
    }
    const fraction = d.bytesTotal > 0 ? d.bytesDone / d.bytesTotal : d.total > 0 ? d.done / d.total : 0;
    const pct = Math.max(0, Math.min(100, Math.floor(fraction * 100)));
    this.downloadBar.style.width = `${pct}%`;
    this.downloadBar.parentElement?.setAttribute('aria-valuenow', String(pct));
    const mb = (n: number): string => (n / 1_048_576).toFixed(1).replace('.', ',');
    const bytes = d.bytesTotal > 0 ? ` · ${mb(d.bytesDone)}/${mb(d.bytesTotal)} MB` : '';
    this.downloadText.textContent = `${pct}% · ${d.done}/${d.total} tệp (files)${bytes}`;
  }

  private renderQr(target: HTMLElement, text: string, which: 'pairing' | 'idle'): void {
    if (text === '') return;
    if (which === 'pairing' ? this.pairingQrFor === text : this.idleQrFor === text) return;
    if (which === 'pairing') this.pairingQrFor = text;
    else this.idleQrFor = text;
    const job = ++this.qrJobs;
    QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 })
      .then((svg) => {
        if (job !== this.qrJobs && (which === 'pairing' ? this.pairingQrFor : this.idleQrFor) !== text)
          return;
        // The SVG comes from the qrcode library, not from the core's text.
        target.innerHTML = svg;
        target.dataset['qr'] = text;
      })
      .catch((err: unknown) => {
        console.error('display: could not draw a QR code', err);
      });
  }
}
