// The receiver's web page in a real browser: Debian's Chromium driven by playwright-core.
// usage: node page_test.js AQHOOK SCREENSHOT.png
'use strict';
const fs = require('fs');
const http = require('http');
const crypto = require('crypto');
const path = require('path');
const { spawn } = require('child_process');

const [aqhook, screenshot] = process.argv.slice(2);
const chromiumPath = '/usr/bin/chromium';
if (!fs.existsSync(chromiumPath)) {
  console.log('SKIP: Debian\'s chromium is not installed (scripts/setup installs it where it can)');
  process.exit(77);
}
const { chromium } = require(path.join(__dirname, 'node_modules', 'playwright-core'));

const secret = 'dev-secret';
const sample = fs.readFileSync(path.join(__dirname, '..', '..', 'data', 'sample-incident.json'), 'utf8');
let passed = 0, failed = 0;
function check(condition, what) {
  if (condition) { passed++; } else { failed++; console.log('FAILED: ' + what); }
}

// The status of one request.
function send(method, base, target, body, headers) {
  return new Promise((resolve, reject) => {
    const request = http.request(base + target, { method, headers },
      (response) => { response.resume(); response.on('end', () => resolve(response.statusCode)); });
    request.on('error', reject);
    request.end(body);
  });
}

function post(base, target, body, headers) {
  return send('POST', base, target, body, { 'content-type': 'application/json', ...headers });
}

function signed(body, key) {
  const stamp = new Date().toISOString();
  const signature = crypto.createHmac('sha256', key).update(stamp + ':' + body).digest('base64');
  return { 'x-aq-signature': signature, 'x-aq-timestamp': stamp };
}

// The lines aqhook serve prints before it serves: "listening on ..." and the "admin: ..." ones.
function startUpLines(server) {
  return new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (chunk) => {
      out += chunk;
      if (/^admin: .*\n/m.test(out)) resolve(out.split('\n').filter((line) => line));
    });
    server.on('exit', (code) => reject(new Error('aqhook serve exited with ' + code + ': ' + out)));
  });
}

// A page in a browser context of its own (so a sessionStorage of its own), at `url`.
async function openPage(browser, url, errors) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  return page;
}

async function main() {
  // On all addresses, as a newcomer runs it to receive from elsewhere: the admin API needs the
  // random token printed in the admin URL.
  const server = spawn(aqhook, ['serve', '--host', '0.0.0.0', '--port', '0', '--secret', secret, '--quiet'],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = await startUpLines(server);
  const adminUrls = lines.filter((line) => line.startsWith('admin: ')).map((line) => line.slice('admin: '.length));
  check(adminUrls.every((url) => !/^http:\/\/(0\.0\.0\.0|\[::\])[:/]/.test(url)), 'admin URLs a browser can open: ' + adminUrls);
  const adminUrl = adminUrls[0];
  const base = new URL(adminUrl).origin;
  const token = new URL(adminUrl).hash.replace('#token=', '');
  check(/^[0-9a-f]{64}$/.test(token), 'the admin URL holds the token: ' + adminUrl);
  let browser;
  try {
    // The admin API takes each printed address as the Host a browser opening it sends.
    for (const url of adminUrls) {
      check(await send('GET', base, '/_aqhook/requests', '', { host: new URL(url).host, authorization: 'Bearer ' + token }) === 200,
            'the admin API answers to the Host of ' + url);
    }
    const body = JSON.stringify(JSON.parse(sample));
    await post(base, '/hooks/valid', body, signed(body, secret));
    await post(base, '/hooks/invalid', body, signed(body, 'not-the-secret'));
    await post(base, '/hooks/unsigned', body, {});
    await post(base, '/hooks/script', '{"title": "<script>window.__xss = 1</script><img src=x onerror=\\"window.__xss=2\\">"}', {});

    browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox', '--disable-gpu',
      '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    const errors = [];

    // Without the token, or with a wrong one, the page's shell loads, shows no delivery and asks
    // for the token; given it, it shows the deliveries.
    for (const [what, url] of [['no token', base + '/_aqhook/'], ['a wrong token', base + '/_aqhook/#token=' + 'f'.repeat(64)]]) {
      const locked = await openPage(browser, url, errors);
      await locked.waitForSelector('#token-prompt:not([hidden])', { timeout: 10000 });
      check(await locked.locator('tr.entry').count() === 0, what + ': no deliveries shown');
      check((await locked.locator('#token-prompt').textContent()).includes('Paste it here'), what + ': the prompt asks for the token');
      check((await locked.locator('#no-entries').textContent()).includes('admin token'), what + ': the list says why it is empty');
      await locked.fill('#token-input', token);
      await locked.click('#token-prompt button[type=submit]');
      await locked.waitForFunction(() => document.querySelectorAll('tr.entry').length === 4, null, { timeout: 10000 });
      check(await locked.locator('#token-prompt').isHidden(), what + ': the prompt goes once the token is pasted');
      await locked.close();
    }

    // The admin URL exactly as printed.
    const page = await openPage(browser, adminUrl, errors);
    await page.waitForFunction(() => document.querySelectorAll('tr.entry').length === 4, null, { timeout: 10000 });
    check(!page.url().includes(token), 'the token leaves the address bar');
    check(await page.locator('#token-prompt').isHidden(), 'no prompt with the token');

    check(await page.locator('#list .verification-valid').count() === 1, 'one valid entry');
    check(await page.locator('#list .verification-invalid').count() === 1, 'one invalid entry');
    check(await page.locator('#list .verification-unsigned').count() === 2, 'two unsigned entries');
    check((await page.locator('#list .verification-invalid').textContent()).includes('signature mismatch'), 'reason shown');
    check(await page.locator('#list td.status-2xx').count() === 1, 'one 2xx status');
    check(await page.locator('#list td.status-4xx').count() === 3, 'three 401 statuses');
    // The receiver refused those three itself: no rule applied, and none of them is "(default)".
    check(await page.locator('#list td.refused').count() === 3, 'three refused, no rule');
    check(await page.locator('tr.entry[data-verification="invalid"] td:last-child').textContent() === 'refused',
          'a bad signature is shown refused');
    check(await page.locator('tr.entry[data-verification="valid"] td:last-child').textContent() === '(default)',
          'the default rule is shown as such');

    await page.locator('tr.entry[data-verification="valid"]').click();
    const detail = await page.locator('#detail').textContent();
    check(detail.includes('x-aq-signature'), 'request headers in the detail view');
    const summary = await page.locator('.incident-summary').textContent();
    check(summary.includes('RAM above 60%') && summary.includes('Open') && summary.includes('Warning'), 'incident summary: ' + summary);
    check((await page.locator('.request-body').textContent()).includes('  "title": "RAM above 60%"'), 'body pretty-printed');
    check(await page.locator('.response-body').count() === 1, 'response shown');

    await page.locator('tr.entry[data-id="4"]').click();
    check((await page.locator('.request-body').textContent()).includes('<script>window.__xss = 1</script>'), 'script shown as text');
    check(await page.evaluate(() => window.__xss === undefined), 'script never ran');
    check(await page.evaluate(() => document.querySelectorAll('#detail script, #detail img, #list script, #list img').length === 0),
          'no element made from a body');
    await page.screenshot({ path: screenshot, fullPage: true });

    await page.selectOption('#filter-verification', 'invalid');
    check(await page.locator('tr.entry:not([hidden])').count() === 1, 'filter by verification');
    await page.selectOption('#filter-verification', '');
    await page.selectOption('#filter-status', '4xx');
    check(await page.locator('tr.entry:not([hidden])').count() === 3, 'filter by status');
    await page.selectOption('#filter-status', '');

    // The form as it comes signs with the receiver's own secret.
    await page.click('#dummy button[type=submit]');
    await page.waitForFunction(() => document.querySelectorAll('tr.entry').length === 5, null, { timeout: 10000 });
    check((await page.locator('#dummy-result').textContent()).includes('answered 200'),
          'dummy delivery on the form\'s defaults answered: ' + await page.locator('#dummy-result').textContent());
    check(await page.locator('#list .verification-valid').count() === 2, 'dummy delivery on the defaults verified');
    await page.selectOption('#dummy-method', 'aws');
    await page.fill('#dummy-secret', secret);
    await page.click('#dummy button[type=submit]');
    await page.waitForFunction(() => document.querySelectorAll('tr.entry').length === 6, null, { timeout: 10000 });
    check((await page.locator('#dummy-result').textContent()).includes('answered 200'), 'dummy delivery answered');
    check(await page.locator('#list .verification-valid').count() === 3, 'dummy delivery with its own secret verified');

    await page.click('#clear');
    await page.waitForFunction(() => document.querySelectorAll('tr.entry').length === 0, null, { timeout: 10000 });
    check(await page.locator('#no-entries').isVisible(), 'empty journal message');

    // An answer that a rule holds back, whose client hangs up first: the row, shown as held back
    // with the answer it was to get (the page rereads the entry only once it was due), comes to say
    // that it was never sent. The client hangs up once the page shows the row.
    const slowRule = JSON.stringify({ rules: [{ name: 'slow', match: { path: '/hooks/slow' }, respond: { status: 200, delayMs: 5000 } }] });
    check(await send('PUT', base, '/_aqhook/config', slowRule,
                     { 'content-type': 'application/json', authorization: 'Bearer ' + token }) === 200, 'a delayed rule configured');
    const held = http.request(base + '/hooks/slow', { method: 'POST', headers: { 'content-type': 'application/json', ...signed('{}', secret) } });
    held.on('error', () => {});
    held.end('{}');
    await page.waitForFunction(() => document.querySelectorAll('tr.entry').length === 1, null, { timeout: 10000 });
    const statusCell = page.locator('tr.entry td:nth-child(5)');
    check(await statusCell.getAttribute('class') === 'status-held' && await statusCell.textContent() === 'held back 5000 ms (200)',
          'an answer held back shows as such: ' + await statusCell.textContent());
    held.destroy();
    await page.waitForFunction(() => document.querySelector('tr.entry td.status-fault') !== null, null, { timeout: 30000 });
    check((await page.locator('tr.entry td.status-fault').textContent()).includes('client gone before the answer'),
          'the answer never sent says so: ' + await page.locator('tr.entry td.status-fault').textContent());
    await page.click('#clear');
    await page.waitForFunction(() => document.querySelectorAll('tr.entry').length === 0, null, { timeout: 10000 });

    // Refreshes that overlap (the poll, a form's answer) add each entry once.
    await post(base, '/hooks/overlap', '{}', {});
    await page.evaluate(() => Promise.all([refresh(), refresh(), refresh()]));
    check(await page.locator('tr.entry').count() === 1, 'overlapping refreshes add an entry once');

    // Scenarios: each shown with its state, which deliveries move; reset and set from the keyboard.
    const admin = { 'content-type': 'application/json', authorization: 'Bearer ' + token };
    const retryRules = JSON.stringify({ rules: [
      { name: 'first fails', scenario: { name: 'retry', whenState: 'Started', setState: 'failed once' }, respond: { status: 503 } },
      { name: 'retry resolves', scenario: { name: 'retry', whenState: 'failed once', setState: 'resolved' }, respond: { status: 200 } }] });
    check(await send('PUT', base, '/_aqhook/config', retryRules, admin) === 200, 'a scenario configured');
    const retryState = page.locator('.scenario[data-name="retry"] .scenario-state');
    const stateShown = (state) => page.waitForFunction((expected) =>
      document.querySelector('.scenario[data-name="retry"] .scenario-state')?.textContent === expected, state, { timeout: 10000 });
    await stateShown('Started');
    check(await page.locator('#scenarios').isVisible(), 'the scenarios are shown');
    const delivered = () => post(base, '/hooks/retry', '{}', signed('{}', secret));
    check(await delivered() === 503, 'the first delivery gets 503');
    await stateShown('failed once');
    check(await retryState.textContent() === 'failed once', 'a delivery moves the state shown');
    // From the state's input, Tab reaches its Set button, then the reset button.
    await page.focus('.scenario[data-name="retry"] .scenario-input');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    check(await page.evaluate(() => document.activeElement.id) === 'reset-scenarios', 'the reset button is reached with Tab');
    await page.keyboard.press('Enter');
    await stateShown('Started');
    await page.focus('.scenario[data-name="retry"] .scenario-input');
    await page.keyboard.type('failed once');
    await page.keyboard.press('Enter');
    await stateShown('failed once');
    check(await delivered() === 200, 'the state set from the page holds: the retry resolves');
    await stateShown('resolved');
    await page.focus('.scenario[data-name="retry"] .scenario-input');
    await page.keyboard.press('Enter'); // an empty state is refused, and the page says why
    await page.waitForFunction(() => document.getElementById('scenario-result').textContent.includes('1 to 256 bytes'), null, { timeout: 10000 });
    check(await retryState.textContent() === 'resolved', 'a refused state leaves the state shown');
    check(await send('PUT', base, '/_aqhook/config', '{}', admin) === 200, 'a configuration without scenarios');
    await page.waitForSelector('#scenarios', { state: 'hidden', timeout: 10000 });
    await page.click('#clear');
    await page.waitForFunction(() => document.querySelectorAll('tr.entry').length === 0, null, { timeout: 10000 });

    // A forwarded delivery shows as forwarding until the target answers (a local server that takes
    // 3 s), then with the target's status; its detail has a "Forwarded to" section.
    const target = http.createServer((request, response) => {
      let got = '';
      request.on('data', (chunk) => { got += chunk; });
      request.on('end', () => setTimeout(() => {
        response.writeHead(201, { 'content-type': 'application/json', 'x-target': 'node' });
        response.end(JSON.stringify({ got: got.length, forwardedFor: request.headers['x-forwarded-for'] }));
      }, 3000));
    });
    await new Promise((resolve) => target.listen(0, '127.0.0.1', resolve));
    const targetUrl = 'http://127.0.0.1:' + target.address().port + '/hook';
    const forwardRule = JSON.stringify({ rules: [{ name: 'to my service', match: { path: '/hooks/forward' },
                                                   respond: { forward: { url: targetUrl } } }] });
    check(await send('PUT', base, '/_aqhook/config', forwardRule, admin) === 200, 'a forwarding rule configured');
    const forwarded = post(base, '/hooks/forward', body, signed(body, secret));
    await page.waitForFunction(() => document.querySelectorAll('tr.entry').length === 1, null, { timeout: 10000 });
    check(await page.locator('tr.entry td:nth-child(5)').textContent() === 'forwarding',
          'a forward under way shows as such: ' + await page.locator('tr.entry td:nth-child(5)').textContent());
    check(await forwarded === 201, 'the target\'s status relayed');
    await page.waitForFunction(() => document.querySelector('tr.entry td:nth-child(5)').textContent === '201', null, { timeout: 10000 });
    await page.locator('tr.entry').click();
    const forwardSection = await page.locator('#detail .forward').textContent();
    check(forwardSection.includes('Forwarded to ' + targetUrl), 'the forward names its target: ' + forwardSection);
    check(forwardSection.includes('the target answered 201'), 'the forward says what the target answered');
    check(forwardSection.includes('x-forwarded-for') && forwardSection.includes('x-target'), 'the headers of both legs');
    check((await page.locator('.forward-body').textContent()).includes('"forwardedFor": "127.0.0.1"'), 'the target\'s body');
    target.close();
    await page.click('#clear');
    await page.waitForFunction(() => document.querySelectorAll('tr.entry').length === 0, null, { timeout: 10000 });

    // A full journal (1000 entries) still shows promptly.
    const start = Date.now();
    for (let i = 0; i < 1000; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, k) => post(base, '/bulk/' + (i + k), '{}', {})));
    }
    const sent = Date.now();
    await page.waitForFunction(() => document.querySelectorAll('tr.entry').length === 1000, null, { timeout: 20000 });
    const shown = Date.now();
    const t0 = Date.now();
    await page.selectOption('#filter-status', '2xx');
    const filterMs = Date.now() - t0;
    check(await page.locator('tr.entry:not([hidden])').count() === 0, 'filter over 1000 entries');
    console.log('full journal: 1000 deliveries sent in ' + (sent - start) + ' ms, shown ' + (shown - sent) +
                ' ms later, filtered in ' + filterMs + ' ms');
    check(errors.length === 0, 'no script errors: ' + errors.join('; '));
  } finally {
    if (browser) await browser.close();
    server.kill('SIGTERM');
  }
  console.log('screenshot: ' + screenshot);
  console.log('web page: ' + passed + ' passed, ' + failed + ' failed');
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((e) => { console.log('FAILED: ' + e.stack); process.exit(1); });
