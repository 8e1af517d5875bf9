import { createStore } from 'zustand/vanilla';

/** sessionStorage entry holding the key: one browser tab, gone when the tab closes. */
export const API_KEY_STORAGE = 'sluice.apiKey';

/** Why the sign-in screen shows. */
export type SignInReason =
  /** A request without a key got 401: this Sluice has `SLUICE_API_KEYS` set. */
  | 'required'
  /** The key this tab held got 401: it was removed from the server's keys. */
  | 'expired'
  /** The person signed out. */
  | 'signed-out';

export interface ApiKeyState {
  /** The key sent as `Authorization: Bearer <key>` on every call, or null. */
  key: string | null;
  /** Set while the app must show the sign-in screen instead of its pages. */
  signIn: SignInReason | null;

  /** A key the API accepted: keep it for the tab and leave the sign-in screen. */
  accept(key: string): void;
  /** Forget the key and show the sign-in screen. */
  signOut(): void;
  /**
   * The API answered 401 to a request sent with `sentKey` (null: no key).
   * An answer to a key that is no longer the current one changes nothing, so
   * a late 401 for an old key cannot sign out a fresh one.
   */
  refused(sentKey: string | null): void;
}

export type ApiKeyStore = ReturnType<typeof createApiKeyStore>;

/** The parts of `Storage` the store uses. */
export type KeyStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/**
 * The tab's API key. Without keys configured on the server no request is ever
 * refused, so the sign-in screen never shows. Storage that throws (disabled,
 * full) degrades to a key held in memory until reload.
 */
export function createApiKeyStore(storage: KeyStorage | undefined) {
  const read = (): string | null => {
    try {
      return storage?.getItem(API_KEY_STORAGE) || null;
    } catch {
      return null;
    }
  };
  const write = (key: string | null): void => {
    try {
      if (key === null) storage?.removeItem(API_KEY_STORAGE);
      else storage?.setItem(API_KEY_STORAGE, key);
    } catch {
      // Memory only.
    }
  };
  return createStore<ApiKeyState>()((set, get) => ({
    key: read(),
    signIn: null,
    accept(key) {
      write(key);
      set({ key, signIn: null });
    },
    signOut() {
      write(null);
      set({ key: null, signIn: 'signed-out' });
    },
    refused(sentKey) {
      const { key, signIn } = get();
      if (sentKey !== key || signIn !== null) return;
      write(null);
      set({ key: null, signIn: sentKey === null ? 'required' : 'expired' });
    },
  }));
}

function tabStorage(): KeyStorage | undefined {
  try {
    return typeof sessionStorage === 'undefined' ? undefined : sessionStorage;
  } catch {
    return undefined;
  }
}

/** The app's one key store, read by the API client and the sign-in screen. */
export const apiKeyStore = createApiKeyStore(tabStorage());
