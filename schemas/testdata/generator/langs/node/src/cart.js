const PRICES = { apple: { price: 120 }, pear: { price: 90 } };

function priceOf(sku) {
  return PRICES[sku].price;
}

function checkout(skus) {
  return skus.map((s) => priceOf(s)).reduce((a, b) => a + b, 0);
}

function quote(sku, qty) {
  return priceOf(sku) * qty;
}

module.exports = { checkout, quote };
