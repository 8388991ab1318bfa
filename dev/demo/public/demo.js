// The demo page's code (a file, not inline: the page's CSP is `script-src 'self'`).
// Flow: POST /dev/token → POST /v1/credentials (profile `uploads`, declaring each file) → ali-oss straight to the
// emulated bucket; and POST /v1/post-policy (profile `forms`, forms only) → fetch + FormData. Secrets (the JWT, the
// AccessKey secret, the security token) are never written to the page.
/* global OSS */

(function demo() {
  var MULTIPART_THRESHOLD = 1024 * 1024; // files over 1 MiB use multipartUpload
  var PART_SIZE = 512 * 1024; // OSS wants parts of at least 100 KB (all but the last)
  var PROFILE = 'uploads';
  // Forms only (`paths: [form]`): the broker signs forms with a token it never hands out, so the storage holds each
  // upload to the declared size and type, and the byte quota to actual sizes.
  var FORM_PROFILE = 'forms';
  // ali-oss calls refreshSTSToken on a timer, not from `expiration`. The broker promises that every token it returns
  // lives at least (expiration - refreshAfter) longer (cache.minRemainingSeconds), so the timer is that promise minus
  // a margin for a request still on its way to OSS and for clock drift. `?refreshMs=` overrides it to watch the
  // refresh happen (the browser test uses it).
  var REFRESH_MARGIN_MS = 60 * 1000;
  var ASKED_REFRESH_MS = (() => {
    var asked = Number(new URLSearchParams(window.location.search).get('refreshMs'));
    return Number.isInteger(asked) && asked >= 1 && asked <= 3600000 ? asked : null;
  })();

  function refreshIntervalMs(answer) {
    if (ASKED_REFRESH_MS !== null) return ASKED_REFRESH_MS;
    var promised = Date.parse(answer.credentials.expiration) - Date.parse(answer.refreshAfter);
    return Math.max(1000, promised - REFRESH_MARGIN_MS);
  }

  var state = { token: null, sub: null, tenant: null, client: null, upload: null };

  function $(id) {
    return document.getElementById(id);
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function humanSize(bytes) {
    if (bytes < 1024) return bytes + ' B';
    if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(1) + ' KiB';
    return (bytes / 1024 / 1024).toFixed(2) + ' MiB';
  }

  function log(text, kind) {
    var item = el('li', kind || '');
    var time = el('time', '', new Date().toLocaleTimeString());
    item.appendChild(time);
    item.appendChild(document.createTextNode(' ' + text));
    $('log').prepend(item);
  }

  /** A refusal from the broker: its RFC 9457 problem (code, title, detail). */
  function BrokerRefusal(status, problem) {
    this.name = 'BrokerRefusal';
    this.status = status;
    this.problem = problem || {};
    this.message = (this.problem.code || 'HTTP ' + status) + ': ' + (this.problem.detail || this.problem.title || '');
  }
  BrokerRefusal.prototype = Object.create(Error.prototype);

  var BROKER_HINTS = {
    file_type_not_allowed: 'This file type is not allowed by the profile.',
    file_too_large: 'This file is larger than the profile allows.',
    invalid_name: 'This file name cannot be used in an object key.',
    too_many_files: 'Too many files in one request.',
    unauthenticated: 'The sign-in token was refused; sign in again.',
    rate_limited: 'Too many requests; wait a moment.',
    quota_exceeded: 'The credential quota for this profile is used up for now.',
  };

  var OSS_HINTS = {
    AccessDenied: "The token's session policy does not cover this key, so the storage itself refused the request.",
    InvalidAccessKeyId: 'OSS does not know this AccessKeyId (an expired or foreign token?).',
    SecurityTokenExpired: 'The STS token has expired.',
    SignatureDoesNotMatch: 'OSS computed a different signature.',
  };

  /** One readable sentence for anything that went wrong. */
  function describe(error) {
    if (error instanceof BrokerRefusal) {
      var hint = BROKER_HINTS[error.problem.code] || error.problem.title || 'The broker refused the request.';
      return {
        source: 'broker',
        code: error.problem.code || 'HTTP ' + error.status,
        text: hint + ' ' + (error.problem.detail || ''),
      };
    }
    if (error && error.code && error.status > 0) {
      // A form refusal carries its own hint: the same OSS code means another thing on the form path (AccessDenied
      // there is a failed policy condition, not a session policy that does not reach the key).
      return {
        source: 'OSS',
        code: error.code + ' (HTTP ' + error.status + ')',
        text: (error.hint || OSS_HINTS[error.code] || 'OSS refused the request.') + ' ' + (error.message || ''),
      };
    }
    var message = String((error && error.message) || error).split('\n')[0];
    return { source: 'network', code: (error && error.name) || 'Error', text: 'Is the emulator running? ' + message };
  }

  function refusalNode(error) {
    var d = describe(error);
    var box = el('div', 'refusal');
    var heading = d.source === 'network' ? 'Could not reach OSS — ' : 'Refused by ' + d.source + ' — ';
    box.appendChild(el('strong', '', heading + d.code));
    box.appendChild(el('span', '', ' ' + d.text.trim()));
    return box;
  }

  async function postJson(path, body, token) {
    var headers = { 'content-type': 'application/json' };
    if (token) headers.authorization = 'Bearer ' + token;
    return requestJson(path, { method: 'POST', headers: headers, body: JSON.stringify(body) });
  }

  /** One broker call: the JSON answer, or a BrokerRefusal carrying the problem body (null when it is not JSON). */
  async function requestJson(path, init) {
    var res = await fetch(path, init);
    var data = null;
    try {
      data = await res.json();
    } catch (_e) {
      data = null;
    }
    if (!res.ok) throw new BrokerRefusal(res.status, data);
    return data;
  }

  /** POST /v1/credentials for the `uploads` profile, declaring `files` when given (the broker checks them). */
  async function fetchCredentials(files) {
    var body = { profile: PROFILE };
    if (files) {
      body.files = files.map((f) => {
        var spec = { name: f.name, size: f.size };
        if (f.type) spec.contentType = f.type;
        return spec;
      });
    }
    var answer = await postJson('/v1/credentials', body, state.token);
    log(
      'credentials ' +
        answer.credentials.accessKeyId.slice(0, 12) +
        '… for ' +
        answer.upload.prefix +
        ', expire ' +
        answer.credentials.expiration +
        (answer.cached ? ' (cached by the broker)' : ' (new AssumeRole)'),
    );
    return answer;
  }

  /** ali-oss against the emulator: path-style (`sldEnable`) because the endpoint is http://localhost:<port>. */
  function clientFor(answer) {
    var c = answer.credentials;
    var u = answer.upload;
    return new OSS({
      endpoint: u.endpoint,
      sldEnable: true,
      bucket: u.bucket,
      region: 'oss-' + u.region,
      accessKeyId: c.accessKeyId,
      accessKeySecret: c.accessKeySecret,
      stsToken: c.securityToken,
      refreshSTSToken: async () => {
        var fresh = await fetchCredentials();
        log('refreshSTSToken: ali-oss asked the broker for fresh credentials');
        state.upload = fresh.upload;
        return {
          accessKeyId: fresh.credentials.accessKeyId,
          accessKeySecret: fresh.credentials.accessKeySecret,
          stsToken: fresh.credentials.securityToken,
        };
      },
      refreshSTSTokenInterval: refreshIntervalMs(answer),
    });
  }

  function setSignedIn(on) {
    $('files').disabled = !on;
    $('upload').disabled = !on;
    $('other-prefix').disabled = !on;
    formSignedIn(on);
  }

  async function signIn(event) {
    event.preventDefault();
    var sub = $('sub').value.trim();
    var tenant = $('tenant').value.trim();
    var status = $('signin-status');
    status.className = 'status';
    status.textContent = 'Signing in…';
    state.client = null;
    state.upload = null;
    try {
      var answer = await postJson('/dev/token', { sub: sub, tenant: tenant });
      state.token = answer.token;
      state.sub = sub;
      state.tenant = tenant;
      status.className = 'status ok';
      status.textContent = 'Signed in as ' + sub + ' (tenant ' + tenant + '). Your prefix: uploads/' + tenant + '/' + sub + '/';
      $('other-key').textContent = otherUsersKey('uploads/' + tenant + '/' + sub + '/');
      setSignedIn(true);
      log('signed in as ' + sub + ' / ' + tenant + ' (a JWT from the local issuer)');
    } catch (error) {
      state.token = null;
      setSignedIn(false);
      status.className = 'status bad';
      status.textContent = '';
      status.appendChild(refusalNode(error));
    }
  }

  function transferRow(file) {
    var row = el('li', 'transfer');
    var head = el('div', 'transfer-head');
    head.appendChild(el('span', 'name', file.name));
    head.appendChild(el('span', 'size', humanSize(file.size)));
    var bar = el('progress');
    bar.max = 1;
    var pct = el('span', 'pct', '');
    var line = el('div', 'transfer-bar');
    line.appendChild(bar);
    line.appendChild(pct);
    var status = el('div', 'transfer-status', 'asking the broker for credentials…');
    row.appendChild(head);
    row.appendChild(line);
    row.appendChild(status);
    row.dataset.file = file.name;
    $('transfers').appendChild(row);
    return {
      row: row,
      progress: (p) => {
        bar.value = p;
        pct.textContent = Math.round(p * 100) + '%';
      },
      status: (text, kind) => {
        row.className = 'transfer ' + (kind || '');
        status.textContent = text;
      },
      refuse: (error) => {
        row.className = 'transfer refused';
        row.dataset.state = 'refused';
        line.hidden = true;
        status.textContent = '';
        status.appendChild(refusalNode(error));
      },
    };
  }

  function addUploaded(key, size, method, etag) {
    $('uploaded-empty').hidden = true;
    var tr = el('tr');
    tr.appendChild(el('td', 'key', key));
    tr.appendChild(el('td', '', humanSize(size)));
    tr.appendChild(el('td', '', method));
    tr.appendChild(el('td', 'etag', etag || '—'));
    tr.dataset.key = key;
    $('uploaded').querySelector('tbody').appendChild(tr);
  }

  /** The object's ETag from a CompleteMultipartUploadResult body (when the response carries no ETag header). */
  function etagFromXml(data) {
    if (!data) return undefined;
    try {
      var text = typeof data === 'string' ? data : new TextDecoder().decode(data);
      var match = /<ETag>([^<]*)<\/ETag>/.exec(text);
      return match ? match[1].replace(/&quot;/g, '"') : undefined;
    } catch (_e) {
      return undefined;
    }
  }

  async function uploadOne(file) {
    var t = transferRow(file);
    var answer;
    try {
      answer = await fetchCredentials([file]);
    } catch (error) {
      t.refuse(error);
      log(file.name + ': ' + describe(error).code, 'bad');
      return;
    }
    state.upload = answer.upload;
    state.client = clientFor(answer);
    var key = answer.upload.prefix + file.name;
    var multipart = file.size > MULTIPART_THRESHOLD;
    t.status((multipart ? 'multipartUpload' : 'put') + ' to ' + answer.upload.endpoint + '/' + answer.upload.bucket + '/' + key);
    try {
      var etag;
      if (multipart) {
        t.progress(0);
        var result = await state.client.multipartUpload(key, file, {
          partSize: PART_SIZE,
          parallel: 3,
          progress: (p) => {
            t.progress(p);
          },
        });
        etag = result.etag || etagFromXml(result.res && result.res.data);
      } else {
        var put = await state.client.put(key, file);
        etag = put.res && put.res.headers && put.res.headers.etag;
      }
      t.progress(1);
      t.status('uploaded: ' + key, 'done');
      t.row.dataset.state = 'done';
      addUploaded(key, file.size, multipart ? 'multipart' : 'put', etag);
      log('uploaded ' + key + ' (' + humanSize(file.size) + ', ' + (multipart ? 'multipart' : 'put') + ')', 'ok');
    } catch (error) {
      t.refuse(error);
      log(file.name + ': ' + describe(error).code, 'bad');
    }
  }

  async function uploadSelected() {
    var files = Array.prototype.slice.call($('files').files || []);
    if (files.length === 0) {
      log('choose one or more files first');
      return;
    }
    $('upload').disabled = true;
    try {
      for (var i = 0; i < files.length; i++) await uploadOne(files[i]);
    } finally {
      $('upload').disabled = false;
      $('files').value = '';
    }
  }

  /** uploads/<tenant>/<sub>/ → uploads/<tenant>/someone-else/x.txt */
  function otherUsersKey(prefix) {
    var parts = prefix.split('/');
    var other = parts[parts.length - 2] === 'someone-else' ? 'someone-else-2' : 'someone-else';
    parts[parts.length - 2] = other;
    return parts.join('/') + 'x.txt';
  }

  async function tryOtherPrefix() {
    var box = $('other-result');
    box.hidden = false;
    box.className = 'result';
    box.textContent = 'trying…';
    try {
      if (!state.client) {
        var answer = await fetchCredentials();
        state.upload = answer.upload;
        state.client = clientFor(answer);
      }
      var key = otherUsersKey(state.upload.prefix);
      $('other-key').textContent = key;
      await state.client.put(key, new Blob(['not yours\n'], { type: 'text/plain' }));
      box.className = 'result bad';
      box.textContent = 'OSS accepted a put to ' + key + ': the token reaches outside its prefix. This is a bug.';
      log("another user's prefix: accepted (unexpected!)", 'bad');
    } catch (error) {
      box.className = 'result refused';
      box.textContent = '';
      box.appendChild(refusalNode(error));
      var d = describe(error);
      log("another user's prefix: " + d.code, d.source === 'OSS' && error.code === 'AccessDenied' ? 'ok' : 'bad');
    }
  }

  function start() {
    if (typeof OSS !== 'function') {
      $('signin-status').className = 'status bad';
      $('signin-status').textContent =
        'The ali-oss browser bundle did not load (/demo/vendor/aliyun-oss-sdk.min.js): run npm install in the checkout.';
      return;
    }
    $('signin-form').addEventListener('submit', signIn);
    $('upload').addEventListener('click', uploadSelected);
    $('other-prefix').addEventListener('click', tryOtherPrefix);
    startFormUpload();
    document.body.dataset.ready = 'true';
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Form upload (no SDK): POST /v1/post-policy signs one PostObject form per declared file; the page posts it with
  // fetch + FormData to the bucket URL the broker returned. OSS checks the form's policy (key, content-length-range,
  // Content-Type, callback), stores the file, calls the broker back, and relays the broker's JSON reply.
  // https://www.alibabacloud.com/help/en/oss/developer-reference/postobject

  var FORM_HINTS = {
    EntityTooLarge: 'The file is larger than the content-length-range the broker signed: the storage refused it.',
    AccessDenied: 'A field breaks a condition of the signed policy (here: its Content-Type), so the storage refused it.',
    CallbackFailed: 'OSS stored the object, but could not deliver the upload callback to the broker.',
  };

  /** OSS's XML error (`<Code>`, `<Message>`) as an error describe() reports as "Refused by OSS", with the form's hint. */
  function ossFormRefusal(status, xml) {
    var code = /<Code>([^<]*)<\/Code>/.exec(xml);
    var message = /<Message>([^<]*)<\/Message>/.exec(xml);
    var error = new Error(message ? 'OSS: ' + message[1] : '');
    error.code = code ? code[1] : 'HTTP ' + status;
    error.status = status;
    error.hint = FORM_HINTS[error.code] || 'OSS refused the form.';
    return error;
  }

  async function getJson(path) {
    return requestJson(path, { headers: { authorization: 'Bearer ' + state.token } });
  }

  /** POST /v1/post-policy declaring one file: the broker applies the profile's file rules and signs a form for it. */
  async function signForm(declared) {
    var answer = await postJson('/v1/post-policy', { profile: FORM_PROFILE, files: [declared] }, state.token);
    var upload = answer.uploads[0];
    log(
      'signed form for ' + upload.key + ': ' + declared.contentType + ', at most ' + upload.maxSizeBytes + ' B, until ' + answer.expiration,
    );
    return upload;
  }

  /**
   * The browser's whole upload: every field of the signed form in order, the file last, to `upload.url`.
   * `contentType` is the Content-Type field the page sends (the file's real type); the policy pins the declared one.
   */
  async function postForm(upload, file, contentType) {
    var form = new FormData();
    Object.keys(upload.fields).forEach((name) => {
      form.append(name, name === 'Content-Type' ? contentType : upload.fields[name]);
    });
    form.append('file', file, file.name || 'file');
    var res = await fetch(upload.url, { method: 'POST', body: form });
    var text = await res.text();
    if (res.status !== 200) throw ossFormRefusal(res.status, text);
    return JSON.parse(text); // the broker's callback reply {key, size, etag}, relayed by OSS
  }

  /** GET /v1/usage?profile=forms: the caller's own byte counters (the callback turns reserved into used). */
  async function refreshUsage() {
    var box = $('usage');
    try {
      var usage = await getJson('/v1/usage?profile=' + FORM_PROFILE);
      var w = usage.bytes[0];
      if (!w) {
        box.textContent = 'This profile has no byte quota.';
        return;
      }
      box.className = 'usage ok';
      box.dataset.used = String(w.usedBytes);
      box.dataset.reserved = String(w.reservedBytes);
      box.textContent =
        humanSize(w.usedBytes) +
        ' used of ' +
        humanSize(w.limitBytes) +
        ' per ' +
        w.windowSeconds / 3600 +
        ' h (' +
        w.usedBytes +
        ' B used). ' +
        reservedText(w);
    } catch (error) {
      box.className = 'usage';
      box.textContent = '';
      box.appendChild(refusalNode(error));
    }
  }

  /** Reserved bytes are not spent: each reservation lapses uncounted an hour after its form expires, unless OSS calls back. */
  function reservedText(w) {
    if (w.reservedBytes === 0 || !w.reservedUntil) return 'Nothing reserved.';
    return (
      humanSize(w.reservedBytes) +
      ' reserved for forms not yet called back: they count against the quota until the upload is reported, and lapse' +
      ' uncounted if it never is, the last at ' +
      new Date(w.reservedUntil).toLocaleString() +
      '.'
    );
  }

  async function formUploadOne(file) {
    var t = transferRow(file);
    $('form-transfers').appendChild(t.row);
    t.status('asking the broker to sign a form…');
    var type = file.type || 'application/octet-stream';
    var upload;
    try {
      upload = await signForm({ name: file.name, size: file.size, contentType: type });
    } catch (error) {
      t.refuse(error);
      log(file.name + ' (form): ' + describe(error).code, 'bad');
      return;
    }
    t.status('POST form to ' + upload.url + ' (key ' + upload.key + ')');
    try {
      var reply = await postForm(upload, file, type);
      t.progress(1);
      t.status('uploaded: ' + reply.key + ', ' + reply.size + ' B recorded by the broker', 'done');
      t.row.dataset.state = 'done';
      addUploaded(reply.key, reply.size, 'form', reply.etag);
      log('form upload ' + reply.key + ': OSS relayed the broker callback reply (size ' + reply.size + ', etag ' + reply.etag + ')', 'ok');
    } catch (error) {
      t.refuse(error);
      log(file.name + ' (form): ' + describe(error).code, 'bad');
    }
    await refreshUsage();
  }

  async function formUploadSelected() {
    var files = Array.prototype.slice.call($('form-files').files || []);
    if (files.length === 0) {
      log('choose one or more files for the form upload first');
      return;
    }
    $('form-upload').disabled = true;
    try {
      for (var i = 0; i < files.length; i++) await formUploadOne(files[i]);
    } finally {
      $('form-upload').disabled = false;
      $('form-files').value = '';
    }
  }

  /**
   * Declares `declared` to the broker (which accepts and signs it), then posts `file` as `sentType` to OSS; the
   * outcome goes to the button's own result box, `boxId`.
   */
  async function lieToTheBroker(boxId, what, declared, file, sentType) {
    var box = $(boxId);
    box.hidden = false;
    box.className = 'result';
    box.textContent = 'asking the broker to sign a form for ' + declared.name + '…';
    try {
      var upload = await signForm(declared);
      box.textContent = 'the broker signed it; posting ' + file.size + ' B as ' + sentType + ' to OSS…';
      var reply = await postForm(upload, file, sentType);
      box.className = 'result bad';
      box.textContent = 'OSS accepted ' + reply.key + ' (' + what + '): the signed policy did not hold. This is a bug.';
      log(what + ': accepted by OSS (unexpected!)', 'bad');
    } catch (error) {
      box.className = 'result refused';
      box.textContent = '';
      box.dataset.case = what;
      box.appendChild(refusalNode(error));
      box.appendChild(
        el(
          'div',
          'muted',
          'Declared to the broker: ' +
            declared.size +
            ' B of ' +
            declared.contentType +
            '; sent to OSS: ' +
            file.size +
            ' B of ' +
            sentType +
            '.',
        ),
      );
      var d = describe(error);
      log(what + ': ' + d.source + ' ' + d.code, d.source === 'OSS' ? 'ok' : 'bad');
    }
    await refreshUsage();
  }

  /** One signed form posted twice: it pins x-oss-forbid-overwrite, so OSS stores the first and refuses the second. */
  async function postFormTwice() {
    var box = $('form-twice-result');
    box.hidden = false;
    box.className = 'result';
    box.textContent = 'asking the broker to sign a form for once.txt…';
    var file = new File(['stored once\n'], 'once.txt', { type: 'text/plain' });
    var stage = 'first post';
    try {
      var upload = await signForm({ name: file.name, size: file.size, contentType: 'text/plain' });
      var first = await postForm(upload, file, 'text/plain');
      addUploaded(first.key, first.size, 'form', first.etag);
      log('form posted once: stored ' + first.key, 'ok');
      stage = 'second post';
      box.textContent = 'stored ' + first.key + '; posting the same form again…';
      await postForm(upload, file, 'text/plain');
      box.className = 'result bad';
      box.textContent = 'OSS stored ' + upload.key + ' twice: the form did not forbid overwrites. This is a bug.';
      log('same form twice: accepted by OSS (unexpected!)', 'bad');
    } catch (error) {
      box.className = stage === 'second post' ? 'result refused' : 'result bad';
      box.textContent = '';
      box.dataset.stage = stage;
      box.appendChild(refusalNode(error));
      var d = describe(error);
      log('same form, ' + stage + ': ' + d.source + ' ' + d.code, stage === 'second post' ? 'ok' : 'bad');
    }
    await refreshUsage();
  }

  function formSignedIn(on) {
    $('form-twice').disabled = !on;
    $('form-files').disabled = !on;
    $('form-upload').disabled = !on;
    $('form-too-big').disabled = !on;
    $('form-wrong-type').disabled = !on;
    $('usage-refresh').disabled = !on;
    if (on) refreshUsage();
  }

  function startFormUpload() {
    $('form-upload').addEventListener('click', formUploadSelected);
    $('usage-refresh').addEventListener('click', refreshUsage);
    $('form-twice').addEventListener('click', postFormTwice);
    $('form-too-big').addEventListener('click', () =>
      lieToTheBroker(
        'form-too-big-result',
        'one byte over the declared size',
        { name: 'declared-100-bytes.txt', size: 100, contentType: 'text/plain' },
        new File([new Uint8Array(101).fill(120)], 'declared-100-bytes.txt', { type: 'text/plain' }),
        'text/plain',
      ),
    );
    $('form-wrong-type').addEventListener('click', () => {
      var html = '<!doctype html><title>not a png</title><script>alert(1)</script>\n';
      return lieToTheBroker(
        'form-wrong-type-result',
        'another type than declared',
        { name: 'declared-image.png', size: html.length, contentType: 'image/png' },
        new File([html], 'declared-image.png', { type: 'text/html' }),
        'text/html',
      );
    });
  }

  start();
})();
