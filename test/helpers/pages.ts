import type { Express } from 'express';
import request from 'supertest';

export interface PageResponse {
  status: number;
  text: string;
  location: string | undefined;
  headers: Record<string, string>;
}

const CSRF = /name="_csrf" value="([^"]+)"/;

/**
 * A browser stand-in for route tests: keeps cookies, reads the CSRF token from the last page it fetched,
 * and sends it with every form.
 */
export class PageSession {
  private readonly agent: ReturnType<typeof request.agent>;
  private csrf = '';

  constructor(app: Express, private readonly bearer?: string) {
    this.agent = request.agent(app);
  }

  private wrap(res: request.Response): PageResponse {
    const match = CSRF.exec(res.text ?? '');
    if (match) this.csrf = match[1]!;
    return { status: res.status, text: res.text ?? '', location: res.headers.location, headers: res.headers as Record<string, string> };
  }

  async get(path: string): Promise<PageResponse> {
    let req = this.agent.get(path);
    if (this.bearer) req = req.set('Authorization', `Bearer ${this.bearer}`);
    return this.wrap(await req);
  }

  /** Posts a form (the CSRF token of the last page is added unless `_csrf` is given). Pass arrays for repeated names. */
  async post(path: string, form: Record<string, string | string[]>, headers: Record<string, string> = {}): Promise<PageResponse> {
    if (!this.csrf) await this.get('/login');
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries({ _csrf: this.csrf, ...form })) {
      for (const v of Array.isArray(value) ? value : [value]) body.append(name, v);
    }
    let req = this.agent.post(path).type('form').set(headers).send(body.toString());
    if (this.bearer) req = req.set('Authorization', `Bearer ${this.bearer}`);
    return this.wrap(await req);
  }

  /** Follows a 303 after a form, as a browser does. */
  async follow(response: PageResponse): Promise<PageResponse> {
    if (!response.location) throw new Error(`no redirect (status ${response.status})`);
    return this.get(response.location);
  }
}

/** Markup a user might type; a page that shows it must never contain it unescaped. */
export const NASTY = `<script>alert("x")</script><img src=x onerror=alert(1)>&amp;'"`;

export function assertEscaped(html: string): void {
  if (html.includes('<script>alert') || html.includes('<img src=x')) {
    throw new Error('user input reached the page unescaped');
  }
}
