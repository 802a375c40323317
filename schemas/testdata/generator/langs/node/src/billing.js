const fakelib = require('fakelib');

function validatePayment(amount, currency) {
  if (amount <= 0) {
    throw new Error('amount must be positive');
  }
  if (!currency) {
    throw new Error('currency is required');
  }
}

function settle(invoices) {
  fakelib.each(invoices, (inv) => {
    if (inv.total < 0) {
      throw new RangeError(`invoice ${inv.id} has a negative total`);
    }
  });
}

module.exports = { validatePayment, settle };
