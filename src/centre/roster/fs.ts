/** What the roster touches of the filesystem: read, stat, and change events on the file's folder. */
import { watch } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';

export interface RosterFs {
  readFile(file: string): Promise<string>;
  /** A value that changes whenever the file is written or replaced. */
  signature(file: string): Promise<string>;
  /** Calls `onChange` with the changed entry's name (or null when unknown); returns the unwatch. */
  watchDir(dir: string, onChange: (name: string | null) => void): () => void;
}

export const nodeRosterFs: RosterFs = {
  readFile: (file) => readFile(file, 'utf8'),
  signature: async (file) => {
    const s = await stat(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}`;
  },
  // The folder, not the file: a roster replaced by rename (editors, config management) gets a new
  // inode, and a watch on the old one would never fire again.
  watchDir: (dir, onChange) => {
    const watcher = watch(dir, { persistent: false }, (_event, name) => onChange(name));
    watcher.on('error', () => undefined);
    return () => watcher.close();
  },
};
