"""Writes the Python part of faultline's language corpus: each scenario
really raises, the app catches and logs it, once through ecs-logging's
StdlibFormatter (ECS JSON, error.stack_trace holds the frames alone) and
once through python-json-logger (plain JSON, exc_info holds the whole
traceback with its chained causes).

Usage: python3 app.py BUILD OUT_DIR"""
import logging
import sys

import ecs_logging
from pythonjsonlogger.json import JsonFormatter

from shop import billing, cart, config, orders

build, out = sys.argv[1], sys.argv[2]

log = logging.getLogger("shop")
log.setLevel(logging.INFO)
handler = logging.FileHandler(f"{out}/python-ecs.build{build}.ndjson", mode="w")
handler.setFormatter(ecs_logging.StdlibFormatter())
log.addHandler(handler)
plain = logging.FileHandler(f"{out}/python-json.build{build}.ndjson", mode="w")
plain.setFormatter(JsonFormatter(
    "%(asctime)s %(levelname)s %(name)s %(message)s",
    rename_fields={"asctime": "timestamp", "levelname": "level", "name": "logger"},
))
log.addHandler(plain)

count = 0


def run(bug, variant, fn, *args):
    global count
    try:
        fn(*args)
    except BaseException as e:  # noqa: BLE001 - every scenario raises
        extra = {
            "service.name": "pyshop",
            "service.environment": "prod",
            "corpus_bug": bug,
            "corpus_build": build,
            "corpus_variant": variant,
        }
        log.error("request failed: %s", e, exc_info=True, extra=extra)
        count += 1
        return
    raise SystemExit(f"{bug} {variant} did not raise")


for sku in ("kiwi", "mango", "plum"):
    run("P01", "via-checkout", cart.checkout, ["apple", sku])
    run("P01", "via-quote", cart.quote, sku, 3)
for amount in (0, -5, -100):
    run("P02", "amount", billing.validate_payment, amount, "EUR")
for amount in (10, 20, 30):
    run("P03", "currency", billing.validate_payment, amount, "")
for text in ("{bad", "{'a': 1}", "{x"):
    run("P04", "bad-json", config.load, text)
for order in (1001, 1002, 1003):
    run("P05", "declined", billing.charge_card, order, 99)
for totals in ([], [], []):
    run("P06", "empty", orders.average_basket, totals)
for ids in ([-1], [1, -2, -3], [-4, 5]):
    run("P07", f"{len(ids)}-orders", orders.bulk_submit, ids)
print(f"python: {count} events", file=sys.stderr)
