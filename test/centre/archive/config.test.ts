/**
 * The centre config's `archive` section: optional, its files resolved beside the config file, a
 * password never in a URL, and an open password file or a missing CA listed with every other
 * problem before anything starts (`<path>: <message>`, exit 2).
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
const POSTGRES = {
  kind: 'postgres',
  host: 'db.centre.example',
  user: 'nattsyn',
  database: 'archive',
  passwordFile: 'archive.password',
  tls: { caFile: 'db-ca.pem' },
};

describe('the centre config archive section', () => {
  it('is_optional_and_a_sqlite_file_is_resolved_beside_the_config', () => {
    expect(parseCentreConfig(BASE, '/etc/nattsyn/centre.json').archive).toBeUndefined();
    const config = parseCentreConfig(
      { ...BASE, archive: { database: { kind: 'sqlite', file: 'archive.db' } } },
      '/etc/nattsyn/centre.json',
    );
    expect(config.archive?.database).toEqual({ kind: 'sqlite', file: '/etc/nattsyn/archive.db' });
    expect(config.archive?.mqtt.shareGroup).toBe('nattsyn-archive');
    const byDefault = parseCentreConfig({ ...BASE, archive: {} }, '/etc/nattsyn/centre.json');
    expect(byDefault.archive?.database).toEqual({
      kind: 'sqlite',
      file: '/var/lib/nattsyn-centre/archive.db',
    });
  });

  it('resolves_the_postgres_password_and_ca_files_and_refuses_a_password_in_the_url', () => {
    const config = parseCentreConfig(
      { ...BASE, archive: { database: POSTGRES } },
      '/etc/nattsyn/centre.json',
    );
    expect(config.archive?.database).toMatchObject({
      passwordFile: '/etc/nattsyn/archive.password',
      tls: { caFile: '/etc/nattsyn/db-ca.pem' },
    });
    expect(() =>
      parseCentreConfig(
        { ...BASE, archive: { database: { kind: 'postgres', url: 'postgres://u:secret@db/archive' } } },
        '/etc/nattsyn/centre.json',
      ),
    ).toThrow(/archive\.database\.url: put the password in passwordFile, not the URL/);
    expect(() => parseCentreConfig({ ...BASE, archive: { dbFile: 'x' } }, '/c.json')).toThrow(/archive: /);
  });

  describe('on load', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), 'nattsyn-archive-config-'));
      await writeFile(join(dir, 'archive.password'), 'secret\n', { mode: 0o644 });
      await writeFile(join(dir, 'centre.json'), JSON.stringify({ ...BASE, archive: { database: POSTGRES } }));
    });
    afterAll(() => rm(dir, { recursive: true, force: true }));

    it('lists_an_open_password_file_and_a_missing_ca_with_the_other_problems', async () => {
      await expect(loadCentreConfig(join(dir, 'centre.json'))).rejects.toThrow(
        /relay\.signingKey: (.|\n)*archive\.database\.passwordFile: .*mode 0644 is too open(.|\n)*archive\.database\.tls\.caFile: cannot read/,
      );
    });
  });
});
