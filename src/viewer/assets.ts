/**
 * The staff viewer page (static files beside this module), served by the device on `/` and by the
 * centre on `/d/<deviceId>/`. Its URLs are relative, so the same page talks to whichever served it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A page that shows a picture may talk only to where it came from and run only its own scripts;
 * `formAction` is where its forms may post (`'none'` for a page without one).
 */
export function pageCsp(formAction: string): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "media-src 'self' blob:",
    "base-uri 'none'",
    `form-action ${formAction}`,
    "frame-ancestors 'none'",
  ].join('; ');
}

/** The viewer page has no form. */
export const VIEWER_CSP = pageCsp("'none'");

export interface ViewerAsset {
  /** Relative to the page's base: '' is the page itself. */
  path: string;
  type: string;
  body: string;
}

const FILES: [string, string, string][] = [
  ['', 'index.html', 'text/html; charset=utf-8'],
  ['viewer.js', 'viewer.js', 'text/javascript; charset=utf-8'],
  ['player.js', 'player.js', 'text/javascript; charset=utf-8'],
  ['fallback.js', 'fallback.js', 'text/javascript; charset=utf-8'],
  ['reasons.js', 'reasons.js', 'text/javascript; charset=utf-8'],
  ['player.css', 'player.css', 'text/css; charset=utf-8'],
  ['viewer.css', 'viewer.css', 'text/css; charset=utf-8'],
];

/**
 * The MPEG-1 fallback's decoder: the JSMpeg player package's own built ES module, read from
 * node_modules when the page's files are read (never a copy of it in this repository).
 */
export const JSMPEG_PLAYER_FILE = fileURLToPath(import.meta.resolve('@cycjimmy/jsmpeg-player'));

/** Reads the page's files once (at start, so a missing file stops the start, not a viewer). */
export function viewerAssets(): ViewerAsset[] {
  return [
    ...FILES.map(([path, file, type]) => ({
      path,
      type,
      body: readFileSync(join(import.meta.dirname, file), 'utf8'),
    })),
    {
      path: 'vendor/jsmpeg-player.js',
      type: 'text/javascript; charset=utf-8',
      body: readFileSync(JSMPEG_PLAYER_FILE, 'utf8'),
    },
  ];
}
