/**
 * The sign-in routes: `GET /auth/login` (to the IdP), `GET /auth/callback` (back from it),
 * `POST /auth/logout` (ends the session here and, where the IdP offers it, there too) and
 * `GET /auth/signed-out`. Every answer is `no-store`: none of them may be cached by a proxy.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { NattsynError } from '../../errors.ts';
import { continuePage, messagePage, PAGE_HEADERS } from './pages.ts';
import { clearCookie, readCookie, setCookie } from './session.ts';
import type { StaffAuth } from './staffAuth.ts';

/** Only a path on this centre may be returned to after sign-in (no open redirect). */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || value.length > 512) return '/';
  if (!/^\/(?![/\\])[^\s\\]*$/.test(value)) return '/';
  return value;
}

export function authRoutes(auth: StaffAuth) {
  return async function routes(app: FastifyInstance): Promise<void> {
    // Sign-out is a plain form post from the round page; its (empty) form body is not read.
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 1024 },
      (_r, _b, done) => done(null, undefined),
    );
    app.addHook('onSend', async (_request, reply) => {
      reply
        .header('Cache-Control', 'no-store')
        .header('Referrer-Policy', 'no-referrer')
        .headers(PAGE_HEADERS);
    });

    app.get('/auth/login', async (request, reply) => {
      const returnTo = safeReturnTo((request.query as Record<string, unknown>).returnTo);
      try {
        const { url, transaction } = await auth.oidc.begin(returnTo);
        const sealed = await auth.sealTransaction(transaction);
        reply.header('Set-Cookie', setCookie(auth.cookies.signIn, sealed, auth.signInMaxAgeSeconds, 'lax'));
        return reply.code(302).header('Location', url.href).send();
      } catch (error) {
        return failPage(reply, error);
      }
    });

    app.get('/auth/callback', async (request, reply) => {
      reply.header('Set-Cookie', clearCookie(auth.cookies.signIn, 'lax'));
      const tx = await auth.openTransaction(readCookie(request.headers.cookie, auth.cookies.signIn));
      const query = request.url.includes('?') ? request.url.slice(request.url.indexOf('?')) : '';
      try {
        if (!tx)
          throw new NattsynError(
            'sign_in_expired',
            'The sign-in took too long or was started elsewhere.',
            {},
          );
        const identity = auth.identityFrom(await auth.oidc.complete(query, tx));
        const { session, sealed } = await auth.sessions.create(identity);
        const maxAge = auth.sessions.maxAgeSeconds(session);
        reply.header('Set-Cookie', setCookie(auth.cookies.session, sealed, maxAge, 'strict'));
        await auth.audit({
          type: 'sign_in',
          at: auth.now(),
          staffId: session.staffId,
          sessionId: session.sessionId,
        });
        auth.logger.info({ staffId: session.staffId, groups: session.groups.length }, 'staff signed in');
        // A page, not a redirect: a redirect chain that began at the IdP is cross-site, and the
        // browser would not send the new SameSite=Strict cookie with it (RFC 6265bis, 5.2).
        return reply.type('text/html; charset=utf-8').send(continuePage(tx.returnTo));
      } catch (error) {
        const code = error instanceof NattsynError ? error.code : 'sign_in_failed';
        await auth.audit({ type: 'sign_in_failed', at: auth.now(), code });
        auth.logger.warn({ code, cause: causeOf(error) }, 'staff sign-in refused');
        return failPage(reply, error);
      }
    });

    app.post('/auth/logout', async (request, reply) => {
      // The SameSite=Strict cookie is what keeps other sites from signing staff out; the Origin
      // check refuses what it can see. A page under `Referrer-Policy: no-referrer` sends "null".
      const origin = request.headers.origin;
      if (origin !== undefined && origin !== 'null' && origin !== auth.origin) {
        return reply.code(403).send({ code: 'bad_origin', message: 'Sign-out must come from this site.' });
      }
      const session = await auth.sessionOf(request);
      if (session) {
        await auth.sessions.end(session);
        await auth.audit({
          type: 'sign_out',
          at: auth.now(),
          staffId: session.staffId,
          sessionId: session.sessionId,
        });
      }
      reply.header('Set-Cookie', clearCookie(auth.cookies.session, 'strict'));
      const idp = await auth.oidc.endSessionUrl();
      return reply
        .code(303)
        .header('Location', idp?.href ?? '/auth/signed-out')
        .send();
    });

    app.get('/auth/signed-out', async (_request, reply) =>
      reply.type('text/html; charset=utf-8').send(messagePage('Utloggad · Signed out', 'signed_out')),
    );
  };
}

function failPage(reply: FastifyReply, error: unknown): FastifyReply {
  const known = error instanceof NattsynError ? error : undefined;
  const status = known?.status ?? 500;
  return reply
    .code(status)
    .type('text/html; charset=utf-8')
    .send(messagePage(known?.message ?? 'Sign-in failed.', known?.code ?? 'sign_in_failed'));
}

function causeOf(error: unknown): string | undefined {
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? cause.message : undefined;
}
