PRICES = {"apple": 120, "pear": 90}


def price_of(sku):
    return PRICES[sku]


def checkout(skus):
    return sum(price_of(s) for s in skus)


def quote(sku, qty):
    return price_of(sku) * qty
