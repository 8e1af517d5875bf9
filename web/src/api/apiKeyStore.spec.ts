import { API_KEY_STORAGE, createApiKeyStore, type KeyStorage } from './apiKeyStore';

function setup(stored: Record<string, string> = {}) {
  const items = new Map(Object.entries(stored));
  const storage: KeyStorage = {
    getItem: (name) => items.get(name) ?? null,
    setItem: (name, value) => void items.set(name, value),
    removeItem: (name) => void items.delete(name),
  };
  const store = createApiKeyStore(storage);
  return { store, state: () => store.getState(), items };
}

const KEY = 'a-key-of-twenty-chars';

describe('API key store', () => {
  it('starts with the key this tab kept, and no sign-in screen', () => {
    const { state } = setup({ [API_KEY_STORAGE]: KEY });
    expect(state()).toMatchObject({ key: KEY, signIn: null });
  });

  it('never asks for a key while the API accepts requests without one', () => {
    const { state } = setup();
    expect(state()).toMatchObject({ key: null, signIn: null });
  });

  it('asks for a key after a 401 to a request without one', () => {
    const { state } = setup();
    state().refused(null);
    expect(state().signIn).toBe('required');
  });

  it('forgets a key the API stopped accepting and says so', () => {
    const { state, items } = setup({ [API_KEY_STORAGE]: KEY });
    state().refused(KEY);
    expect(state()).toMatchObject({ key: null, signIn: 'expired' });
    expect(items.has(API_KEY_STORAGE)).toBe(false);
  });

  it('keeps an accepted key for the tab and leaves the sign-in screen', () => {
    const { state, items } = setup();
    state().refused(null);
    state().accept(KEY);
    expect(state()).toMatchObject({ key: KEY, signIn: null });
    expect(items.get(API_KEY_STORAGE)).toBe(KEY);
  });

  it('ignores a late 401 for a key that has since been replaced', () => {
    const { state } = setup({ [API_KEY_STORAGE]: 'old-key-0123456789' });
    state().accept(KEY);
    state().refused('old-key-0123456789');
    expect(state()).toMatchObject({ key: KEY, signIn: null });
  });

  it('signs out: the key is gone from storage and the sign-in screen shows', () => {
    const { state, items } = setup({ [API_KEY_STORAGE]: KEY });
    state().signOut();
    expect(state()).toMatchObject({ key: null, signIn: 'signed-out' });
    expect(items.size).toBe(0);
  });

  it('works from memory when storage throws', () => {
    const broken: KeyStorage = {
      getItem: () => {
        throw new Error('denied');
      },
      setItem: () => {
        throw new Error('denied');
      },
      removeItem: () => {
        throw new Error('denied');
      },
    };
    const store = createApiKeyStore(broken);
    store.getState().accept(KEY);
    expect(store.getState().key).toBe(KEY);
  });
});
