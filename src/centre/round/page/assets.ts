/**
 * The round page's static files: its own (beside this module) and the viewer's player and reason
 * texts (src/viewer), so a look in the round plays, blanks and explains exactly as the device's
 * own viewer page does. Read once at start: a missing file stops the start, not a night shift.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pageCsp, type ViewerAsset, viewerAssets } from '../../../viewer/assets.ts';

const OWN: [string, string][] = [
  ['round.js', 'text/javascript; charset=utf-8'],
  ['look.js', 'text/javascript; charset=utf-8'],
  ['texts.js', 'text/javascript; charset=utf-8'],
  ['round.css', 'text/css; charset=utf-8'],
];
/** The fallback's player and its decoder are loaded by the page only when a look falls back. */
const SHARED = new Set(['player.js', 'player.css', 'reasons.js', 'fallback.js', 'vendor/jsmpeg-player.js']);

export interface RoundAssets {
  page: string;
  /** Served under `/round/assets/<path>`. */
  files: ViewerAsset[];
}

export function roundAssets(): RoundAssets {
  const read = (file: string) => readFileSync(join(import.meta.dirname, file), 'utf8');
  return {
    page: read('index.html'),
    files: [
      ...OWN.map(([path, type]) => ({ path, type, body: read(path) })),
      ...viewerAssets().filter((a) => SHARED.has(a.path)),
    ],
  };
}

/** The page talks only to the centre, runs only its own scripts, and posts sign-out to the IdP. */
export function roundCsp(idpOrigin: string): string {
  // Sign-out is a form post whose answer redirects to the IdP's end-session page.
  return pageCsp(`'self' ${idpOrigin}`);
}
