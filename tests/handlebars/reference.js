// Renders conformance cases with Handlebars.js, the reference for the SDK's renderer.
// usage: node reference.js CASES.json RESULTS.json
// CASES: [{"template": "...", "context": {...}, "strict": false}]
// RESULTS: [{"ok": true, "output": "..."} | {"ok": false, "error": "..."}], in the same order.
'use strict';
const fs = require('fs');
const Handlebars = require('handlebars');

// The same helpers the C++ side registers (tests/test_handlebars_conformance.cpp).
const helpers = {
  raw: function (options) { return options.fn(this); },
  upper: function (value) { return String(value).toUpperCase(); },
  join: function (...args) {
    const options = args.pop();
    const separator = options.hash.sep === undefined ? ',' : options.hash.sep;
    return args.map((a) => (a === undefined || a === null ? '' : String(a))).join(separator);
  },
  bold: function (options) { return new Handlebars.SafeString('<b>' + options.fn(this) + '</b>'); },
  json: function (value) { return new Handlebars.SafeString(JSON.stringify(value === undefined ? null : value)); },
};

const [casesPath, resultsPath] = process.argv.slice(2);
const cases = JSON.parse(fs.readFileSync(casesPath, 'utf8'));
const results = cases.map((c) => {
  try {
    const env = Handlebars.create();
    env.registerHelper(helpers);
    env.log = () => {};
    const template = env.compile(c.template, { strict: !!c.strict });
    return { ok: true, output: template(c.context) };
  } catch (e) {
    return { ok: false, error: String(e.message).split('\n')[0] };
  }
});
fs.writeFileSync(resultsPath, JSON.stringify(results));
