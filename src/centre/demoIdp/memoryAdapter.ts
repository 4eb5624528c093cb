/**
 * The demo provider's storage (sessions, interactions, codes, grants) in memory: it lives as long
 * as the demo or test process. Written out (rather than oidc-provider's built-in development
 * adapter) so its start-up warning does not fill every test's output.
 */
import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  expiresAt: number | undefined;
}

export function memoryAdapterFactory(now: () => number = Date.now): (name: string) => Adapter {
  const stores = new Map<string, Map<string, Entry>>();
  const grants = new Map<string, Set<string>>();
  return (name) => {
    const store = stores.get(name) ?? new Map<string, Entry>();
    stores.set(name, store);
    const live = (id: string): Entry | undefined => {
      const entry = store.get(id);
      if (entry?.expiresAt !== undefined && entry.expiresAt <= now()) {
        store.delete(id);
        return undefined;
      }
      return entry;
    };
    const findBy = (key: 'uid' | 'userCode', value: string) =>
      [...store.keys()].map(live).find((e) => e?.payload[key] === value)?.payload;
    return {
      upsert: async (id, payload, expiresIn) => {
        store.set(id, { payload, expiresAt: expiresIn ? now() + expiresIn * 1000 : undefined });
        if (payload.grantId) {
          const ids = grants.get(payload.grantId) ?? new Set();
          grants.set(payload.grantId, ids.add(`${name}:${id}`));
        }
      },
      find: async (id) => live(id)?.payload,
      findByUid: async (uid) => findBy('uid', uid),
      findByUserCode: async (userCode) => findBy('userCode', userCode),
      consume: async (id) => {
        const entry = live(id);
        if (entry) entry.payload.consumed = Math.floor(now() / 1000);
      },
      destroy: async (id) => void store.delete(id),
      revokeByGrantId: async (grantId) => {
        for (const key of grants.get(grantId) ?? []) {
          const [model, id] = [key.slice(0, key.indexOf(':')), key.slice(key.indexOf(':') + 1)];
          stores.get(model)?.delete(id);
        }
        grants.delete(grantId);
      },
    };
  };
}
