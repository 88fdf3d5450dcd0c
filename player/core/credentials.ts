/**
 * What a paired screen needs to talk to its server again after a restart. Where it is kept is
 * up to the host: the Electron shell encrypts it with the OS keychain (safeStorage), the
 * headless player keeps a 0600 file. The core only sees this interface.
 */
export interface Credentials {
  screenId: string;
  token: string;
  serverUrl: string;
}

export interface CredentialStore {
  /** The saved credentials, or null when the screen has not been paired yet. */
  load(): Promise<Credentials | null>;
  save(credentials: Credentials): Promise<void>;
  /** Forget the pairing (the server revoked the screen, or staff asked to re-pair). */
  clear(): Promise<void>;
}
