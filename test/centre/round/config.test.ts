/**
 * The staff sections of the centre config: sign-in, roster and look tokens come together or not at
 * all (a relay-only centre needs none), their files are resolved beside the config file, and a
 * missing or open issuer key is listed with every other problem before anything starts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCentreConfig } from '../../../src/centre/config.ts';
import { loadCentreConfig } from '../../../src/centre/load.ts';

const BASE = {
  keyFile: 'centre.key',
  mqtt: { url: 'mqtt://127.0.0.1:1883' },
  relay: { signingKey: 'relay.key' },
};
const OIDC = {
  issuer: 'http://127.0.0.1:9999',
  clientId: 'nattsyn-centre',
  clientSecretFile: 'oidc.secret',
  redirectUrl: 'http://127.0.0.1:8444/auth/callback',
};
const STAFF = {
  oidc: OIDC,
  roster: { file: 'roster.json' },
  staffTokens: { issuer: 'https://care.example/issuer', privateKeyFile: 'issuer.key', keyId: 'k1' },
};

describe('the centre config staff sections', () => {
  it('runs_a_relay_only_centre_without_any_of_them', () => {
    const config = parseCentreConfig(BASE, '/etc/nattsyn/centre.json');
    expect(config.oidc).toBeUndefined();
    expect(config.round).toEqual({ followUpMinutes: 15, language: 'sv' });
  });

  it('names_each_missing_section_when_only_some_are_given', () => {
    expect(() => parseCentreConfig({ ...BASE, oidc: OIDC }, '/etc/nattsyn/centre.json')).toThrow(
      /roster: the round needs oidc, roster, staffTokens together \(oidc given\)\nstaffTokens: /,
    );
  });

  it('resolves_the_staff_files_beside_the_config_file', () => {
    const config = parseCentreConfig({ ...BASE, ...STAFF }, '/etc/nattsyn/centre.json');
    expect(config.oidc?.clientSecretFile).toBe('/etc/nattsyn/oidc.secret');
    expect(config.roster?.file).toBe('/etc/nattsyn/roster.json');
    expect(config.staffTokens?.privateKeyFile).toBe('/etc/nattsyn/issuer.key');
  });

  describe('on load', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'nattsyn-round-config-'));
      await writeFile(join(dir, 'oidc.secret'), 'secret', { mode: 0o644 });
      await writeFile(join(dir, 'centre.json'), JSON.stringify({ ...BASE, ...STAFF }));
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('lists_an_open_client_secret_and_a_missing_issuer_key_with_the_other_problems', async () => {
      await expect(loadCentreConfig(join(dir, 'centre.json'))).rejects.toThrow(
        /oidc\.clientSecretFile: .*oidc\.secret: mode 0644 is too open(.|\n)*staffTokens\.privateKeyFile: /,
      );
    });
  });
});
