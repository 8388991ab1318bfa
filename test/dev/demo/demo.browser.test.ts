/**
 * The demo page end to end in headless Chromium (Debian's `chromium` + playwright-core; `npx playwright install`
 * cannot work on these machines): the whole local stack in-process on ephemeral ports, a development sign-in,
 * uploads from the browser with ali-oss straight to the OSS emulator (put and multipart), and the refusals the page
 * must show in words: a disallowed type, a file too large (both from the broker) and another user's prefix (from
 * the storage itself). The form path (no SDK, the forms-only `forms` profile): a signed form posted with fetch +
 * FormData under a name the broker chose, the callback raising usage, and a file over its declared size and one of
 * another type refused by the storage, not the broker.
 *
 * Skipped only where Chromium is missing outside CI; under CI (`.ci/run` installs it) it must run.
 */
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startLocalStack, type LocalStack } from '../../../dev/local/start-local.js';
import { LOCAL_BUCKET } from '../../../dev/local/local-config.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = !existsSync(CHROMIUM) && !process.env.CI;
if (skip) {
  // Vitest prints no reason for a skipped suite; say why, and how to run it.
  console.warn(
    `demo.browser.test: SKIPPED: no Chromium at ${CHROMIUM}. Install Debian's chromium (apt-get install chromium, ` +
      'or run .ci/run, which does) to run the demo page in a browser. Under CI it never skips.',
  );
}
const SCREENSHOT = '/tmp/oss-sts-broker-demo.png';

// The broker reaches the STS emulator through the @alicloud/credentials chain, which reads process.env: the
// emulator's AccessKey pair must be there too (what `npm start` does when it generates one).
const ACCESS_KEY = { id: `LTAItest${randomBytes(6).toString('hex')}`, secret: randomBytes(24).toString('base64url') };

describe.skipIf(skip)('demo page in headless Chromium', { timeout: 60_000 }, () => {
  let stack: LocalStack;
  let browser: Browser;
  let page: Page;
  const saved = { id: process.env.ALIBABA_CLOUD_ACCESS_KEY_ID, secret: process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET };
  const pageProblems: string[] = [];

  beforeAll(async () => {
    process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = ACCESS_KEY.id;
    process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = ACCESS_KEY.secret;
    stack = await startLocalStack({
      ports: { broker: 0, sts: 0, oss: 0 },
      env: { ALIBABA_CLOUD_ACCESS_KEY_ID: ACCESS_KEY.id, ALIBABA_CLOUD_ACCESS_KEY_SECRET: ACCESS_KEY.secret, LOG_LEVEL: 'silent' },
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    page.on('console', (msg) => {
      if (msg.type() === 'error') pageProblems.push(msg.text());
    });
    page.on('pageerror', (error) => pageProblems.push(`pageerror: ${error.message}`));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await stack?.close();
    if (saved.id === undefined) delete process.env.ALIBABA_CLOUD_ACCESS_KEY_ID;
    else process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = saved.id;
    if (saved.secret === undefined) delete process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
    else process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = saved.secret;
  });

  const small = Buffer.from('hello from the demo page\n'.repeat(20));
  const big = randomBytes(1536 * 1024 - 4096); // over 1 MiB: multipart, 3 parts (512 KiB, 512 KiB, the rest)

  it('signs in, uploads a small file with put and a large one with multipart, straight to the OSS emulator', async () => {
    await page.goto(stack.demoUrl);
    await page.locator('body[data-ready="true"]').waitFor({ timeout: 10_000 });
    await page.fill('#sub', 'alice');
    await page.fill('#tenant', 'acme');
    await page.click('#signin');
    await expect.poll(() => page.textContent('[data-testid="signin-status"]')).toContain('Signed in as alice (tenant acme)');

    await page.setInputFiles('#files', [
      { name: 'notes.txt', mimeType: 'text/plain', buffer: small },
      { name: 'photo.png', mimeType: 'image/png', buffer: big },
    ]);
    await page.click('#upload');
    await page.locator('li[data-file="notes.txt"][data-state="done"]').waitFor({ timeout: 20_000 });
    await page.locator('li[data-file="photo.png"][data-state="done"]').waitFor({ timeout: 30_000 });

    const smallKey = 'uploads/acme/alice/notes.txt';
    const bigKey = 'uploads/acme/alice/photo.png';
    const storedSmall = stack.oss.objects.get(LOCAL_BUCKET, smallKey);
    const storedBig = stack.oss.objects.get(LOCAL_BUCKET, bigKey);
    expect(storedSmall?.body.equals(small)).toBe(true);
    expect(storedBig?.body.equals(big)).toBe(true);
    expect(storedBig?.etag).toMatch(/-3"$/); // three parts of 512 KiB: it really went up as a multipart upload

    // The session's list shows what OSS acknowledged, with the ETag OSS stored.
    const rows = await page.locator('[data-testid="uploaded"] tbody tr').allTextContents();
    expect(rows.some((r) => r.includes(smallKey) && r.includes('put') && r.includes(storedSmall!.etag))).toBe(true);
    expect(rows.some((r) => r.includes(bigKey) && r.includes('multipart') && r.includes(storedBig!.etag))).toBe(true);
    expect(await page.locator('li[data-file="photo.png"] progress').evaluate((p) => (p as HTMLProgressElement).value)).toBe(1);
  });

  it('shows the broker refusing a disallowed type and a file too large, and uploads neither', async () => {
    // Built inside the page: sending 20 MiB through the DevTools protocol would cost seconds for nothing.
    await page.evaluate(
      (hugeSize) => {
        const files = new DataTransfer();
        files.items.add(new File(['MZ not really'], 'tool.exe', { type: 'application/octet-stream' }));
        files.items.add(new File([new Uint8Array(hugeSize)], 'huge.pdf', { type: 'application/pdf' }));
        (document.getElementById('files') as HTMLInputElement).files = files.files;
      },
      20 * 1024 * 1024 + 1,
    );
    await page.click('#upload');
    const exe = page.locator('li[data-file="tool.exe"][data-state="refused"]');
    const huge = page.locator('li[data-file="huge.pdf"][data-state="refused"]');
    await exe.waitFor({ timeout: 20_000 });
    await huge.waitFor({ timeout: 20_000 });
    const exeText = await exe.textContent();
    expect(exeText).toContain('Refused by broker — file_type_not_allowed');
    expect(exeText).toContain('This file type is not allowed by the profile.');
    const hugeText = await huge.textContent();
    expect(hugeText).toContain('Refused by broker — file_too_large');
    expect(hugeText).toContain('This file is larger than the profile allows.');
    expect(stack.oss.objects.get(LOCAL_BUCKET, 'uploads/acme/alice/tool.exe')).toBeFalsy();
    expect(stack.oss.objects.get(LOCAL_BUCKET, 'uploads/acme/alice/huge.pdf')).toBeFalsy();
  });

  it("shows OSS refusing a put into another user's prefix with the same token", async () => {
    await page.click('#other-prefix');
    const result = page.locator('[data-testid="other-result"].refused');
    await result.waitFor({ timeout: 20_000 });
    const text = await result.textContent();
    expect(text).toContain('Refused by OSS — AccessDenied (HTTP 403)');
    expect(text).toContain("The token's session policy does not cover this key");
    expect(stack.oss.objects.get(LOCAL_BUCKET, 'uploads/acme/someone-else/x.txt')).toBeFalsy();

    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    // No CSP violation, no script error: the page works under its own CSP with no inline script.
    expect(pageProblems.filter((p) => !p.includes('403') && !p.includes('400'))).toEqual([]);
  });

  describe('form upload (no SDK)', () => {
    /** The newest object key the page logged after `before` (the log is newest first; `forms` names objects at random). */
    const loggedKey = async (before: RegExp, ext: string) => {
      const log = await page.locator('[data-testid="log"] li').allTextContents();
      const pattern = new RegExp(`${before.source}(forms/acme/alice/[A-Za-z0-9_-]{8,64}\\.${ext})`);
      const line = log.find((l) => pattern.test(l));
      expect(line, log.join('\n')).toBeDefined();
      return pattern.exec(line!)![1]!;
    };
    const usage = async () => {
      const box = page.locator('[data-testid="usage"][data-used]');
      await box.waitFor({ timeout: 10_000 });
      return { used: Number(await box.getAttribute('data-used')), reserved: Number(await box.getAttribute('data-reserved')) };
    };

    it('posts the signed form with fetch + FormData to OSS, which calls the broker back: usage goes up by the file', async () => {
      // Only this profile's uploads count here: the STS uploads above were to `uploads`.
      await page.click('#usage-refresh');
      expect(await usage()).toEqual({ used: 0, reserved: 0 });
      const before = await usage();
      const note = Buffer.from('sent as a signed PostObject form\n'.repeat(10));
      await page.setInputFiles('#form-files', [{ name: 'form-note.txt', mimeType: 'text/plain', buffer: note }]);
      await page.click('#form-upload');
      await page.locator('#form-transfers li[data-file="form-note.txt"][data-state="done"]').waitFor({ timeout: 20_000 });

      const key = await loggedKey(/form upload /, 'txt');
      const stored = stack.oss.objects.get(LOCAL_BUCKET, key);
      expect(stored?.body.equals(note)).toBe(true);
      expect(stored?.contentType).toBe('text/plain');
      const etag = stored!.etag.replace(/"/g, '');
      // The row shows the broker's callback reply as OSS relayed it: key, size, etag.
      const row = await page.locator(`[data-testid="uploaded"] tbody tr[data-key="${key}"]`).textContent();
      expect(row).toContain('form');
      expect(row).toContain(etag);
      const log = await page.locator('[data-testid="log"] li').allTextContents();
      expect(
        log.some((l) => l.includes(`form upload ${key}: OSS relayed the broker callback reply (size ${note.length}, etag ${etag})`)),
      ).toBe(true);
      // The callback turned the reservation into the actual size.
      await expect.poll(usage).toEqual({ used: before.used + note.length, reserved: before.reserved });
    });

    it.each([
      [
        'one byte over the declared size',
        '#form-too-big',
        'txt',
        'Refused by OSS — EntityTooLarge (HTTP 400)',
        'larger than the content-length-range the broker signed',
      ],
      [
        'another type than declared',
        '#form-wrong-type',
        'png',
        'Refused by OSS — AccessDenied (HTTP 403)',
        'A field breaks a condition of the signed policy (here: its Content-Type), so the storage refused it. OSS: ' +
          'Invalid according to Policy: Policy Condition failed: ["eq", "$content-type", "image/png"]',
      ],
    ])('%s: the broker signs the declared form, the storage refuses what was sent', async (what, button, ext, heading, detail) => {
      const before = await usage();
      await page.click(button);
      // Each button has its own result box.
      const result = page.locator(`[data-testid="${button.slice(1)}-result"].refused[data-case="${what}"]`);
      await result.waitFor({ timeout: 20_000 });
      const text = await result.textContent();
      expect(text).toContain(heading);
      expect(text).toContain(detail);
      // On the form path no session policy is involved: the hint of the STS path must not appear.
      expect(text).not.toContain('session policy');
      // Not the broker: it signed the form for what was declared, and logged it.
      const key = await loggedKey(/signed form for /, ext);
      const log = await page.locator('[data-testid="log"] li').allTextContents();
      expect(log.some((l) => l.includes(`${what}: OSS `))).toBe(true);
      expect(stack.oss.objects.get(LOCAL_BUCKET, key)).toBeFalsy();
      // Nothing was stored, so nothing was used; the declared bytes stay reserved, and the page says until when.
      await expect.poll(async () => (await usage()).used).toBe(before.used);
      expect(await page.textContent('[data-testid="usage"]')).toMatch(/reserved for forms not yet called back: .*lapse uncounted/);
      expect(pageProblems.filter((p) => !p.includes('403') && !p.includes('400'))).toEqual([]);
    });

    it('keeps both refusals on screen, each in its own box', async () => {
      expect(await page.locator('[data-testid="form-too-big-result"]').getAttribute('data-case')).toBe('one byte over the declared size');
      expect(await page.locator('[data-testid="form-wrong-type-result"]').getAttribute('data-case')).toBe('another type than declared');
    });

    it('the same form posted twice: stored once, encrypted, then 409 FileAlreadyExists from the storage', async () => {
      await page.click('#form-twice');
      const result = page.locator('[data-testid="form-twice-result"].refused[data-stage="second post"]');
      await result.waitFor({ timeout: 20_000 });
      expect(await result.textContent()).toContain('Refused by OSS — FileAlreadyExists (HTTP 409)');
      const key = await loggedKey(/form posted once: stored /, 'txt');
      const stored = stack.oss.objects.get(LOCAL_BUCKET, key);
      expect(stored?.body.toString()).toBe('stored once\n');
      expect(stored?.encryption).toEqual({ algorithm: 'AES256' });
    });
  });

  it('wires refreshSTSToken to the broker: with a 1 ms interval every OSS request refreshes, and the upload still lands', async () => {
    const other = await browser.newPage();
    try {
      await other.goto(`${stack.demoUrl}?refreshMs=1`);
      await other.locator('body[data-ready="true"]').waitFor({ timeout: 10_000 });
      await other.fill('#sub', 'bob');
      await other.click('#signin');
      await expect.poll(() => other.textContent('[data-testid="signin-status"]')).toContain('Signed in as bob');
      const body = randomBytes(1200 * 1024);
      await other.setInputFiles('#files', [{ name: 'scan.pdf', mimeType: 'application/pdf', buffer: body }]);
      await other.click('#upload');
      await other.locator('li[data-file="scan.pdf"][data-state="done"]').waitFor({ timeout: 30_000 });
      expect(stack.oss.objects.get(LOCAL_BUCKET, 'uploads/acme/bob/scan.pdf')?.body.equals(body)).toBe(true);
      const log = await other.locator('[data-testid="log"] li').allTextContents();
      // initiate, 3 parts, complete: each request after the first refreshes (ali-oss checks before every request)
      expect(log.filter((line) => line.includes('refreshSTSToken')).length).toBeGreaterThanOrEqual(3);
    } finally {
      await other.close();
    }
  });
  it('team folders: one token reaches a folder per group and reads the shared folder; the storage refuses the rest', async () => {
    const other = await browser.newPage();
    try {
      await other.goto(stack.demoUrl);
      await other.locator('body[data-ready="true"]').waitFor({ timeout: 10_000 });
      await other.fill('#sub', 'carol');
      await other.fill('#tenant', 'acme');
      await other.fill('#team-groups', 'design, ops');
      await other.click('#team-get');
      await other.locator('[data-testid="team-areas"] li[data-prefix="teams/acme/design/"]').waitFor({ timeout: 10_000 });
      const areas = await other
        .locator('[data-testid="team-areas"] li')
        .evaluateAll((items) => items.map((i) => i.getAttribute('data-prefix')));
      expect(areas).toEqual(['home/acme/carol/', 'teams/acme/design/', 'teams/acme/ops/', 'shared/acme/']);

      const outcome = async (button: string) => {
        await other.evaluate(() => document.getElementById('team-result')?.removeAttribute('data-outcome'));
        await other.click(button);
        await other.locator('[data-testid="team-result"][data-outcome]').waitFor({ timeout: 10_000 });
        return {
          outcome: await other.getAttribute('[data-testid="team-result"]', 'data-outcome'),
          text: await other.textContent('[data-testid="team-result"]'),
        };
      };
      expect((await outcome('#team-own')).outcome).toBe('allowed');
      expect(stack.oss.objects.get(LOCAL_BUCKET, 'teams/acme/design/hello.txt')?.body.toString()).toBe('hello team');
      const otherTeam = await outcome('#team-other');
      expect(otherTeam.outcome).toBe('refused');
      expect(otherTeam.text).toContain('AccessDenied');
      expect((await outcome('#team-shared-read')).outcome).toBe('allowed');
      const sharedWrite = await outcome('#team-shared-write');
      expect(sharedWrite.outcome).toBe('refused');
      expect(sharedWrite.text).toContain('AccessDenied');
      expect(stack.oss.objects.get(LOCAL_BUCKET, 'shared/acme/x.txt')).toBeFalsy();

      await other.fill('#team-groups', 'a, b, c, d, e, f');
      await other.click('#team-get');
      await expect.poll(() => other.textContent('[data-testid="team-result"]')).toContain('too_many_claim_values');
    } finally {
      await other.close();
    }
  });
});
