// Dies of an uncaught exception, so the generator records what Node prints.
'use strict';
require('./src/billing').validatePayment(0, 'EUR');
