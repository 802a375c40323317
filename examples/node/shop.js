// The app's own code the Node recipes call: a checkout that fails.
function charge(order, cents) {
  if (cents <= 0) {
    throw new RangeError('amount must be positive');
  }
}

module.exports = { charge };
