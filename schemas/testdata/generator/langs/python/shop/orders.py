def average_basket(totals):
    try:
        return sum(totals) / len(totals)
    except ZeroDivisionError:
        # The fallback has a bug of its own: Python chains it to the first.
        return totals[0] + None


def bulk_submit(orders):
    errors = []
    for o in orders:
        if o < 0:
            errors.append(ValueError(f"order {o} has a negative id"))
    if errors:
        raise ExceptionGroup("bulk submit failed", errors)
