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
