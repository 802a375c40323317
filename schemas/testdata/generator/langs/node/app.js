// Writes the Node part of faultline's language corpus: each scenario really
// throws, the app catches it and logs it with pino, once with pino's own
// JSON (err.stack, causes appended as "caused by:") and once through
// @elastic/ecs-pino-format (ECS, error.stack_trace).
// Usage: node app.js BUILD OUT_DIR
'use strict';
const fs = require('fs');
const path = require('path');
const pino = require('pino');
const { ecsFormat } = require('@elastic/ecs-pino-format');
const cart = require('./src/cart');
const billing = require('./src/billing');
const config = require('./src/config');

const [build, out] = process.argv.slice(2);
const dest = (name) => pino.destination({ dest: path.join(out, `${name}.build${build}.ndjson`), sync: true });
const plain = pino({ base: { service: 'nodeshop', env: 'prod' } }, dest('node-pino'));
const ecs = pino(ecsFormat({ serviceName: 'nodeshop', serviceEnvironment: 'prod' }), dest('node-ecs'));

let count = 0;
async function run(bug, variant, fn, ...args) {
  try {
    await fn(...args);
  } catch (err) {
    const labels = { corpus_bug: bug, corpus_build: build, corpus_variant: variant };
    plain.error({ err, ...labels }, 'request failed');
    ecs.error({ err, labels }, 'request failed');
    count++;
    return;
  }
  throw new Error(`${bug} ${variant} did not throw`);
}

async function main() {
  for (const sku of ['kiwi', 'mango', 'plum']) {
    await run('N01', 'via-checkout', cart.checkout, ['apple', sku]);
    await run('N01', 'via-quote', cart.quote, sku, 3);
  }
  for (const amount of [0, -5, -100]) {
    await run('N02', 'amount', billing.validatePayment, amount, 'EUR');
  }
  for (const amount of [10, 20, 30]) {
    await run('N03', 'currency', billing.validatePayment, amount, '');
  }
  for (const text of ['{bad', "{'a': 1}", '{x']) {
    await run('N04', 'bad-json', config.load, text);
  }
  for (const id of [7, 8, 9]) {
    await run('N05', 'negative', billing.settle, [{ id: 1, total: 5 }, { id, total: -id }]);
  }
  console.error(`node: ${count} events`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
