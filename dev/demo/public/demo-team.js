// The demo's team section (profile `team`): a development token whose `groups` claim lists the teams typed in,
// credentials for the user's own folder, one folder per group and the tenant's shared folder (read-only), and four
// tries with the same token that the storage answers. Its own file, next to demo.js, for the same CSP reason.
/* global OSS */

(function teamDemo() {
  var PROFILE = 'team';
  var team = { answer: null, client: null };

  function $(id) {
    return document.getElementById(id);
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  async function postJson(path, body, token) {
    var headers = { 'content-type': 'application/json' };
    if (token) headers.authorization = 'Bearer ' + token;
    var res = await fetch(path, { method: 'POST', headers: headers, body: JSON.stringify(body) });
    var data = await res.json().catch(() => null);
    if (!res.ok) {
      var problem = data || {};
      var error = new Error((problem.code || 'HTTP ' + res.status) + ': ' + (problem.detail || problem.title || ''));
      error.source = 'broker';
      throw error;
    }
    return data;
  }

  function show(ok, text) {
    var box = $('team-result');
    box.hidden = false;
    box.className = 'result ' + (ok ? 'ok' : 'refused');
    box.dataset.outcome = ok ? 'allowed' : 'refused';
    box.textContent = text;
  }

  function refusalText(error) {
    if (error?.source === 'broker') return 'Refused by the broker — ' + error.message;
    if (error?.code && error.status > 0) {
      return 'Refused by OSS — ' + error.code + ' (HTTP ' + error.status + "): the token's session policy does not reach there.";
    }
    return 'Could not reach OSS — ' + String(error?.message || error);
  }

  function groupsTyped() {
    return $('team-groups')
      .value.split(',')
      .map((g) => g.trim())
      .filter((g) => g.length > 0);
  }

  function setReady(on) {
    ['team-own', 'team-other', 'team-shared-read', 'team-shared-write'].forEach((id) => {
      $(id).disabled = !on;
    });
  }

  async function getTeamCredentials() {
    var list = $('team-areas');
    list.textContent = '';
    setReady(false);
    team.answer = null;
    try {
      var sub = $('sub').value.trim();
      var tenant = $('tenant').value.trim();
      var minted = await postJson('/dev/token', { sub: sub, tenant: tenant, groups: groupsTyped() });
      var answer = await postJson('/v1/credentials', { profile: PROFILE }, minted.token);
      team.answer = answer;
      var c = answer.credentials;
      var u = answer.upload;
      team.client = new OSS({
        endpoint: u.endpoint,
        sldEnable: true,
        bucket: u.bucket,
        region: 'oss-' + u.region,
        accessKeyId: c.accessKeyId,
        accessKeySecret: c.accessKeySecret,
        stsToken: c.securityToken,
      });
      var areas = [{ prefix: u.prefix, operations: u.operations }].concat(u.areas || []);
      areas.forEach((area) => {
        var item = el('li', '', '');
        item.appendChild(el('code', '', area.prefix));
        item.appendChild(document.createTextNode(' ' + area.operations.join(', ')));
        item.dataset.prefix = area.prefix;
        list.appendChild(item);
      });
      $('team-result').hidden = true;
      setReady(true);
    } catch (error) {
      show(false, refusalText(error));
    }
  }

  /** The first group's folder, another team's, and the shared folder, from the areas the broker returned. */
  function folders() {
    var areas = team.answer.upload.areas || [];
    var shared = areas.find((a) => a.operations.indexOf('put') < 0);
    var teams = areas.filter((a) => a.operations.indexOf('put') >= 0);
    var tenant = $('tenant').value.trim();
    return {
      mine: teams.length > 0 ? teams[0].prefix : null,
      other: 'teams/' + tenant + '/not-my-team-' + Date.now() + '/',
      shared: shared ? shared.prefix : 'shared/' + tenant + '/',
    };
  }

  async function attempt(what, run) {
    try {
      show(true, 'Allowed — ' + (await run()));
    } catch (error) {
      show(false, what + ': ' + refusalText(error));
    }
  }

  function wire() {
    $('team-get').addEventListener('click', getTeamCredentials);
    $('team-own').addEventListener('click', () =>
      attempt('Put into your team folder', async () => {
        var mine = folders().mine;
        if (mine === null) throw new Error('no group typed in, so no team folder');
        await team.client.put(mine + 'hello.txt', new Blob(['hello team']));
        return 'put ' + mine + 'hello.txt';
      }),
    );
    $('team-other').addEventListener('click', () =>
      attempt("Put into another team's folder", async () => {
        var key = folders().other + 'x.txt';
        await team.client.put(key, new Blob(['x']));
        return 'put ' + key;
      }),
    );
    $('team-shared-read').addEventListener('click', () =>
      attempt('List the shared folder', async () => {
        var prefix = folders().shared;
        var listed = await team.client.list({ prefix: prefix, 'max-keys': 20 }, {});
        return 'listed ' + prefix + ': ' + (listed.objects || []).length + ' objects';
      }),
    );
    $('team-shared-write').addEventListener('click', () =>
      attempt('Put into the shared folder', async () => {
        var key = folders().shared + 'x.txt';
        await team.client.put(key, new Blob(['x']));
        return 'put ' + key;
      }),
    );
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', wire);
  else wire();
})();
