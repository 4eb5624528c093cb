/**
 * A small scripted browser for sign-in tests: real HTTP over loopback, a cookie jar per origin
 * (path-scoped, Max-Age=0 deletes), manual redirects (so a test can stop at any hop) and form
 * submission. It keeps Secure cookies on plain-HTTP loopback, as browsers do for localhost.
 */
import { parseSetCookie } from 'cookie';

interface Jar {
  [name: string]: { value: string; path: string };
}

export interface Hop {
  url: string;
  status: number;
  location: string | undefined;
  setCookies: string[];
  body: string;
}

export class HttpAgent {
  readonly #jars = new Map<string, Jar>();
  /** Every response seen, in order (for asserting on hops such as the authorization request). */
  readonly hops: Hop[] = [];

  cookie(origin: string, name: string): string | undefined {
    return this.#jars.get(origin)?.[name]?.value;
  }

  setCookie(origin: string, name: string, value: string): void {
    const jar = this.#jars.get(origin) ?? {};
    jar[name] = { value, path: '/' };
    this.#jars.set(origin, jar);
  }

  /** One request, no redirect following. */
  async request(
    url: string,
    init: {
      method?: string;
      form?: Record<string, string>;
      json?: unknown;
      /** A raw body, sent as is (its content type in `headers`). */
      body?: string;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Hop> {
    const target = new URL(url);
    const headers: Record<string, string> = { ...init.headers };
    const cookies = Object.entries(this.#jars.get(target.origin) ?? {})
      .filter(([, c]) => target.pathname.startsWith(c.path))
      .map(([n, c]) => `${n}=${c.value}`);
    if (cookies.length > 0) headers.cookie = cookies.join('; ');
    let body: string | undefined;
    if (init.form) {
      body = new URLSearchParams(init.form).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (init.body !== undefined) {
      body = init.body;
    } else if (init.json !== undefined) {
      body = JSON.stringify(init.json);
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(target, { method: init.method ?? 'GET', headers, body, redirect: 'manual' });
    const setCookies = response.headers.getSetCookie();
    this.#store(target.origin, setCookies);
    const location = response.headers.get('location') ?? undefined;
    const hop: Hop = {
      url: target.href,
      status: response.status,
      location: location === undefined ? undefined : new URL(location, target).href,
      setCookies,
      body: await response.text(),
    };
    this.hops.push(hop);
    return hop;
  }

  /** Follows redirects (GET after each) until a non-redirect answer or `stopAt` matches a URL. */
  async follow(
    url: string,
    init: Parameters<HttpAgent['request']>[1] = {},
    stopAt?: (url: URL) => boolean,
  ): Promise<Hop> {
    let hop = await this.request(url, init);
    for (let i = 0; i < 20 && hop.location && hop.status >= 300 && hop.status < 400; i++) {
      if (stopAt?.(new URL(hop.location))) return hop;
      hop = await this.request(hop.location);
    }
    return hop;
  }

  /** Submits the page's first form (its action and hidden inputs) with `fields` filled in. */
  async submit(page: Hop, fields: Record<string, string>, stopAt?: (url: URL) => boolean): Promise<Hop> {
    const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(page.body);
    if (!form) throw new Error(`no form on ${page.url}`);
    const hidden: Record<string, string> = {};
    for (const input of form[2]!.matchAll(/<input[^>]*type="hidden"[^>]*>/gi)) {
      const name = /name="([^"]*)"/.exec(input[0])?.[1];
      const value = /value="([^"]*)"/.exec(input[0])?.[1];
      if (name) hidden[name] = value ?? '';
    }
    const action = new URL(form[1]!.replace(/&amp;/g, '&'), page.url).href;
    return this.follow(action, { method: 'POST', form: { ...hidden, ...fields } }, stopAt);
  }

  #store(origin: string, setCookies: string[]): void {
    const jar = this.#jars.get(origin) ?? {};
    for (const header of setCookies) {
      const c = parseSetCookie(header);
      if (c.maxAge === 0 || (c.expires && c.expires.getTime() <= Date.now())) delete jar[c.name];
      else jar[c.name] = { value: c.value ?? '', path: c.path ?? '/' };
    }
    this.#jars.set(origin, jar);
  }
}
