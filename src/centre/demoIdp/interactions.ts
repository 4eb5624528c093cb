/**
 * The demo provider's interaction routes: `GET /interaction/:uid` shows the sign-in form (or grants
 * consent at once: the centre is the provider's own first-party client), `POST
 * /interaction/:uid/login` checks the user's password and finishes the sign-in.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type * as http from 'node:http';
import type Provider from 'oidc-provider';
import { loginPage } from './pages.ts';
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
