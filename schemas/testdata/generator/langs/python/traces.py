"""Prints real tracebacks for the parser tests, as the interpreter prints
them, separated by a line with a form feed."""
import traceback

from shop import billing, config, orders


def show(fn, *args):
    try:
        fn(*args)
    except BaseException as e:  # noqa: BLE001
        print("".join(traceback.format_exception(e)), end="\f\n")


show(config.load, "{bad")
show(billing.charge_card, 7, 1)
show(orders.average_basket, [])
show(orders.bulk_submit, [-1, -2])
