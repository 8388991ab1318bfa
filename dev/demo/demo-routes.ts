/**
 * The demo page (local mode only): sign in as a development user, get credentials from the broker, upload straight
 * to the emulated bucket with ali-oss in the browser. Mounted next to the dev routes through `extraRoutes`, so in
 * production mode `/demo/` answers 404 like any unknown path.
 *
 * Helmet's app-wide CSP stays as it is; these routes replace it with their own, which differs only in allowing the
 * page to talk to the OSS emulator (another port, so another origin) and in dropping `upgrade-insecure-requests`
 * (the emulators speak plain HTTP on loopback). No inline script anywhere: the page's code is `demo.js`.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Router, type RequestHandler, type Response } from 'express';

export interface DemoRoutesOptions {
  /** Origins of the OSS emulator the page uploads to, e.g. `http://localhost:9200` (and its 127.0.0.1 twin). */
  ossOrigins: readonly string[];
}

/** The page's files: next to this module in the source tree; from `dist/` the source copy is used (local mode only). */
function publicDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'public'), join(here, '..', '..', 'src', 'demo', 'public'), join(process.cwd(), 'src', 'demo', 'public')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0]!;
}

/** ali-oss's browser bundle (a devDependency: present wherever local mode is run from a checkout). */
function aliOssBundle(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const pkg = require.resolve('ali-oss/package.json');
    const bundle = join(dirname(pkg), 'dist', 'aliyun-oss-sdk.min.js');
    return existsSync(bundle) ? bundle : undefined;
  } catch {
    return undefined;
  }
}

const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$/;

export function demoContentSecurityPolicy(ossOrigins: readonly string[]): string {
  for (const origin of ossOrigins) {
    if (!ORIGIN.test(origin)) throw new Error(`demo: not an origin: ${origin}`);
  }
  return [
    "default-src 'self'",
    "script-src 'self'",
    "script-src-attr 'none'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    `connect-src 'self' ${ossOrigins.join(' ')}`.trim(),
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function createDemoRoutes(options: DemoRoutesOptions): Router {
  const csp = demoContentSecurityPolicy(options.ossOrigins);
  const dir = publicDir();
  const bundle = aliOssBundle();
  const router = Router();

  const headers: RequestHandler = (_req, res, next) => {
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('Cache-Control', 'no-cache');
    next();
  };
  const send = (res: Response, path: string, type: string) => {
    res.type(type);
    res.sendFile(path, { dotfiles: 'deny' });
  };

  // Express matches `/demo` and `/demo/` alike (non-strict routing); the page's relative links need the slash.
  router.get('/demo', headers, (req, res) => {
    if (!req.path.endsWith('/')) res.redirect(302, '/demo/');
    else send(res, join(dir, 'index.html'), 'html');
  });
  router.get('/demo/demo.js', headers, (_req, res) => send(res, join(dir, 'demo.js'), 'js'));
  router.get('/demo/demo-team.js', headers, (_req, res) => send(res, join(dir, 'demo-team.js'), 'js'));
  router.get('/demo/demo.css', headers, (_req, res) => send(res, join(dir, 'demo.css'), 'css'));
  router.get('/demo/vendor/aliyun-oss-sdk.min.js', headers, (_req, res, next) => {
    if (bundle === undefined) {
      next(); // falls through to the broker's 404 problem: ali-oss (a devDependency) is not installed
      return;
    }
    res.setHeader('Cache-Control', 'public, max-age=3600');
    send(res, bundle, 'js');
  });
  return router;
}
