/**
 * The few pages sign-in shows itself: carry on after sign-in, and a message with a sign-in link.
 * Plain HTML without scripts; every value put into a page is escaped.
 */

const CSP = "default-src 'none'; style-src 'unsafe-inline'";
export const PAGE_HEADERS = { 'Content-Security-Policy': CSP, 'X-Content-Type-Options': 'nosniff' } as const;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, head: string, body: string): string {
  return `<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>${head}
<style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;line-height:1.5}</style>
</head><body>${body}</body></html>`;
}

/** Sent by the callback: moves on to `returnTo` as a same-site navigation (so the Strict cookie rides). */
export function continuePage(returnTo: string): string {
  const target = escapeHtml(returnTo);
  return page(
    'Inloggad · Signed in',
    `<meta http-equiv="refresh" content="0;url=${target}">`,
    `<p>Inloggad · Signed in. <a href="${target}">Fortsätt · Continue</a></p>`,
  );
}

/** A message with its stable code and a way to sign in (again). */
export function messagePage(message: string, code: string): string {
  return page(
    message,
    '',
    `<h1>${escapeHtml(message)}</h1><p><code data-code="${escapeHtml(code)}">${escapeHtml(code)}</code></p>
<p><a href="/auth/login">Logga in · Sign in</a></p>`,
  );
}
