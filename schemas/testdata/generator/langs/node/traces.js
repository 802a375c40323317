// Prints real V8 stacks for the parser tests, separated by a form feed line:
// Error.stack, util.inspect's [cause] rendering, and an AggregateError.
'use strict';
const util = require('util');
const billing = require('./src/billing');
const config = require('./src/config');

function show(s) {
  process.stdout.write(s + '\n\f\n');
}

async function main() {
  try {
    billing.settle([{ id: 3, total: -1 }]);
  } catch (err) {
    show(err.stack);
  }
  try {
    await config.load('{bad');
  } catch (err) {
    show(util.inspect(err));
  }
  const agg = new AggregateError([new Error('first'), new TypeError('second')], 'all failed');
  show(util.inspect(agg));
}
main();
