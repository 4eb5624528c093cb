/**
 * The demo provider's interaction routes: `GET /interaction/:uid` shows the sign-in form (or grants
 * consent at once: the centre is the provider's own first-party client), `POST
 * /interaction/:uid/login` checks the user's password and finishes the sign-in. The pages it and
 * the provider show are here too.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type * as http from 'node:http';
import type Provider from 'oidc-provider';
import type { DemoIdpUser } from './provider.ts';

const MAX_FORM_BYTES = 4096;

export async function handleInteraction(
  provider: Provider,
  users: readonly DemoIdpUser[],
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  res.setHeader('Cache-Control', 'no-store');
  if (req.method === 'POST' && req.url?.endsWith('/login')) {
    const form = new URLSearchParams(await readBody(req));
    const user = users.find((u) => u.login === form.get('login'));
    if (!user || !samePassword(user.password, form.get('password') ?? '')) {
      return html(res, 401, loginPage(details.uid, 'Fel användare eller lösenord · Wrong user or password'));
    }
    return provider.interactionFinished(
      req,
      res,
      { login: { accountId: user.login } },
      { mergeWithLastSubmission: false },
    );
  }
  if (details.prompt.name === 'login') return html(res, 200, loginPage(details.uid, undefined));
  const { params, session, grantId } = details;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session?.accountId, clientId: String(params.client_id) });
  if (!grant) throw new Error('grant not found');
  const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[] };
  if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
  if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
  const saved = await grant.save();
  return provider.interactionFinished(
    req,
    res,
    { consent: { grantId: saved } },
    { mergeWithLastSubmission: true },
  );
}

function samePassword(expected: string, given: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(expected), digest(given));
}

function html(res: http.ServerResponse, status: number, body: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.end(body);
}

async function readBody(req: http.IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > MAX_FORM_BYTES) throw new Error('form too large');
  }
  return body;
}

/**
 * The demo identity provider's pages: sign-in form, sign-out question, error. Plain HTML with no
 * outside resources (oidc-provider's own pages load web fonts, which a loopback test must not).
 */
const esc = (text: string): string => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="sv"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:22rem;margin:3rem auto;padding:0 1rem}
label,input,button{display:block;width:100%;box-sizing:border-box;margin:.4rem 0;font-size:1.1rem}
input,button{padding:.6rem}.error{color:#a00}</style>
</head><body><h1>${esc(title)}</h1>${body}</body></html>`;
}

export function loginPage(uid: string, error: string | undefined): string {
  return page(
    'Demo-IdP · Logga in',
    `${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/interaction/${esc(uid)}/login" autocomplete="off">
<label for="login">Användare · User</label><input id="login" name="login" required autofocus>
<label for="password">Lösenord · Password</label><input id="password" name="password" type="password" required>
<button type="submit">Logga in · Sign in</button></form>`,
  );
}

/** oidc-provider's `logoutSource`: `form` is its hidden form (id op.logoutForm) with the xsrf value. */
export function logoutPage(form: string): string {
  return page(
    'Demo-IdP · Logga ut',
    `${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">Logga ut · Sign out</button>
<button type="submit" form="op.logoutForm">Stanna inloggad · Stay signed in</button>`,
  );
}

export function signedOutPage(): string {
  return page('Demo-IdP · Utloggad', '<p>Du är utloggad · You are signed out.</p>');
}

export function errorPage(out: Record<string, unknown>): string {
  const lines = Object.entries(out).map(([k, v]) => `<p><strong>${esc(k)}</strong>: ${esc(String(v))}</p>`);
  return page('Demo-IdP · Fel', lines.join(''));
}
