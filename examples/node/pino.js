// pino logging to faultline's Loki push route through pino-loki: pino's
// err.stack becomes the event's stack trace.
//   FAULTLINE_URL=http://<faultline host:port> FAULTLINE_KEY=<faultline API key> node pino.js
const pino = require('pino');
const { charge } = require('./shop');

const transport = pino.transport({
  target: 'pino-loki',
  options: {
    host: process.env.FAULTLINE_URL || 'http://127.0.0.1:8080',
    // The API key as the Basic auth password; leave basicAuth out on loopback without keys.
    basicAuth: { username: 'shop', password: process.env.FAULTLINE_KEY },
    labels: { app: 'shop' },
  },
});
const log = pino(transport);

try {
  charge('o-1', 0);
} catch (err) {
  log.error({ err }, 'checkout of order o-1 failed');
}
