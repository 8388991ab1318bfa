/**
 * The credential and form answers, written directly: what Express's `res.json` sends for them (status,
 * `Content-Type: application/json; charset=utf-8`, `Content-Length`, the body) without its per-call work that these
 * answers never use: parsing the Content-Type again to set its charset, the ETag hook (off, app.ts), the freshness
 * check (every such answer is `no-store`) and HEAD handling (the credential routes refuse HEAD).
 */
import type { Response } from 'express';

const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export function sendJson(res: Response, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', JSON_CONTENT_TYPE);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}
