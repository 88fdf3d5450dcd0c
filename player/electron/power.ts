/**
 * Keeps the screen lit. 'prevent-display-sleep' stops both the display from blanking and the
 * machine from suspending; a signage PC left to the OS defaults goes dark after 10-15 minutes.
 */

export interface PowerSaveBlockerLike {
  start(type: 'prevent-app-suspension' | 'prevent-display-sleep'): number;
  stop(id: number): void;
  isStarted(id: number): boolean;
}

export interface KeepAwake {
  /** True while the blocker is held (the OS can refuse or drop it, e.g. on some Linux desktops). */
  isActive(): boolean;
  /** Takes the blocker again if the OS dropped it; returns whether it is held afterwards. After stop() it does nothing. */
  ensure(): boolean;
  stop(): void;
}

export function keepDisplayAwake(blocker: PowerSaveBlockerLike): KeepAwake {
  let id: number | null = blocker.start('prevent-display-sleep');
  let stopped = false;
  return {
    isActive: () => id !== null && blocker.isStarted(id),
    ensure() {
      if (stopped) return false;
      if (id !== null && blocker.isStarted(id)) return true;
      id = blocker.start('prevent-display-sleep');
      return blocker.isStarted(id);
    },
    stop() {
      if (id !== null && blocker.isStarted(id)) blocker.stop(id);
      id = null;
      stopped = true;
    },
  };
}
