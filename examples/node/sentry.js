// @sentry/node reporting to faultline: the DSN is the only change.
//   SENTRY_DSN=http://<faultline API key>@<faultline host:port>/1 node sentry.js
const Sentry = require('@sentry/node');
const { charge } = require('./shop');

// The DSN comes from SENTRY_DSN; release becomes service.version.
// The service tag names the service when faultline runs without keys (with one, the key decides).
Sentry.init({ release: 'shop@1.0.0', environment: 'prod', initialScope: { tags: { service: 'shop' } } });

try {
  charge('o-1', 0);
} catch (err) {
  Sentry.captureException(err);
}
Sentry.flush(5000);
