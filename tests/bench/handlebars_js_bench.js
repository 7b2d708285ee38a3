// Renders per second of a compiled Handlebars.js template: the baseline of bench_handlebars.
// usage: node handlebars_js_bench.js TEMPLATE CONTEXT.json  → prints "ns_per_render N"
'use strict';
const fs = require('fs');
const path = require('path');
const Handlebars = require(path.join(__dirname, '..', 'handlebars', 'node_modules', 'handlebars'));

const [templatePath, contextPath] = process.argv.slice(2);
const template = Handlebars.compile(fs.readFileSync(templatePath, 'utf8'));
const context = JSON.parse(fs.readFileSync(contextPath, 'utf8'));

let sink = 0;
for (let i = 0; i < 20000; i++) sink += template(context).length; // warm-up: let the JIT settle

const rounds = [];
for (let round = 0; round < 5; round++) {
  let n = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0n;
  while (elapsed < 300000000n) { // 0.3 s a round
    for (let i = 0; i < 1000; i++) sink += template(context).length;
    n += 1000;
    elapsed = process.hrtime.bigint() - start;
  }
  rounds.push(Number(elapsed) / n);
}
rounds.sort((a, b) => a - b);
console.log('ns_per_render ' + rounds[2].toFixed(1) + ' (sink ' + (sink % 7) + ')');
