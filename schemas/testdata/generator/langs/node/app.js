// Writes the Node part of faultline's language corpus: each scenario really
// throws, the app catches it and logs it with pino, once with pino's own
// JSON (err.stack, causes appended as "caused by:") and once through
// @elastic/ecs-pino-format (ECS, error.stack_trace).
// In the other modes the same error goes to an SDK instead: @sentry/node's
// captureException (the labels as tags on a scope), or an OpenTelemetry log
// record (the error as its exception, the labels as attributes) that the
// OTLP/HTTP exporter posts as OTLP JSON.
// Usage: node app.js BUILD logs OUT_DIR
//        node app.js BUILD sentry DSN
//        node app.js BUILD otel LOGS_ENDPOINT
'use strict';
const path = require('path');
const cart = require('./src/cart');
const billing = require('./src/billing');
const config = require('./src/config');

const [build, mode, target] = process.argv.slice(2);

// report sends one caught error with its labels; done flushes what the SDK holds.
let report;
let done = async () => {};
if (mode === 'logs') {
  const pino = require('pino');
  const { ecsFormat } = require('@elastic/ecs-pino-format');
  const dest = (name) => pino.destination({ dest: path.join(target, `${name}.build${build}.ndjson`), sync: true });
  const plain = pino({ base: { service: 'nodeshop', env: 'prod' } }, dest('node-pino'));
  const ecs = pino(ecsFormat({ serviceName: 'nodeshop', serviceEnvironment: 'prod' }), dest('node-ecs'));
  report = (err, labels) => {
    plain.error({ err, ...labels }, 'request failed');
    ecs.error({ err, labels }, 'request failed');
  };
} else if (mode === 'sentry') {
  const Sentry = require('@sentry/node');
  // Dedupe drops an event whose message and stack equal the one before,
  // which is every repeat of a corpus bug; a corpus needs each one.
  Sentry.init({
    dsn: target, release: `nodeshop@${build}`, environment: 'prod', serverName: 'nodeshop-1', sendClientReports: false,
    integrations: (defaults) => defaults.filter((i) => i.name !== 'Dedupe'),
  });
  report = (err, labels) => {
    Sentry.withScope((scope) => {
      scope.setTags(labels);
      Sentry.captureException(err);
    });
  };
  done = () => Sentry.close(5000);
} else if (mode === 'otel') {
  const { LoggerProvider, BatchLogRecordProcessor } = require('@opentelemetry/sdk-logs');
  const { OTLPLogExporter } = require('@opentelemetry/exporter-logs-otlp-http');
  const { resourceFromAttributes } = require('@opentelemetry/resources');
  const { SeverityNumber } = require('@opentelemetry/api-logs');
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'nodeshop', 'service.version': build, 'deployment.environment.name': 'prod' }),
    processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: target }) })],
  });
  const logger = provider.getLogger('nodeshop');
  report = (err, labels) => {
    logger.emit({ severityNumber: SeverityNumber.ERROR, severityText: 'ERROR', body: 'request failed', attributes: labels, exception: err });
  };
  done = () => provider.shutdown();
} else {
  throw new Error(`unknown mode ${mode}`);
}

let count = 0;
async function run(bug, variant, fn, ...args) {
  try {
    await fn(...args);
  } catch (err) {
    report(err, { corpus_bug: bug, corpus_build: build, corpus_variant: variant });
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
  await done();
  console.error(`node ${mode}: ${count} events`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
