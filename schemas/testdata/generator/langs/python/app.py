"""Writes the Python part of faultline's language corpus: each scenario
really raises, the app catches and logs it, once through ecs-logging's
StdlibFormatter (ECS JSON, error.stack_trace holds the frames alone) and
once through python-json-logger (plain JSON, exc_info holds the whole
traceback with its chained causes).

The same log call goes instead to an SDK in the other modes: sentry-sdk's
logging integration turns it into a Sentry event (the labels as tags, set
on the scope), or OpenTelemetry's LoggingHandler into an OTLP log record
(the labels as attributes, from extra) that the OTLP/HTTP exporter posts
as protobuf.

Usage: python3 app.py BUILD logs OUT_DIR
       python3 app.py BUILD sentry DSN
       python3 app.py BUILD otel LOGS_ENDPOINT"""
import contextlib
import logging
import sys

from shop import billing, cart, config, orders

build, mode, target = sys.argv[1], sys.argv[2], sys.argv[3]

log = logging.getLogger("shop")
log.setLevel(logging.INFO)
if mode == "logs":
    import ecs_logging
    from pythonjsonlogger.json import JsonFormatter

    handler = logging.FileHandler(f"{target}/python-ecs.build{build}.ndjson", mode="w")
    handler.setFormatter(ecs_logging.StdlibFormatter())
    log.addHandler(handler)
    plain = logging.FileHandler(f"{target}/python-json.build{build}.ndjson", mode="w")
    plain.setFormatter(JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s",
        rename_fields={"asctime": "timestamp", "levelname": "level", "name": "logger"},
    ))
    log.addHandler(plain)
elif mode == "sentry":
    import sentry_sdk

    log.addHandler(logging.NullHandler())  # the integration captures; nothing to print
    sentry_sdk.init(dsn=target, release=f"pyshop@{build}", environment="prod", server_name="pyshop-1",
                    send_client_reports=False, auto_session_tracking=False, default_integrations=True)
elif mode == "otel":
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
    from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
    from opentelemetry.sdk.resources import Resource

    provider = LoggerProvider(resource=Resource.create({
        "service.name": "pyshop", "service.version": build, "deployment.environment.name": "prod"}))
    provider.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter(endpoint=target)))
    log.addHandler(LoggingHandler(logger_provider=provider))
else:
    raise SystemExit(f"unknown mode {mode}")


@contextlib.contextmanager
def scope(labels):
    """Where the log call runs: in sentry mode a scope carrying the labels as tags."""
    if mode != "sentry":
        yield
        return
    with sentry_sdk.new_scope() as s:
        s.set_tags(labels)
        yield

count = 0


def run(bug, variant, fn, *args):
    global count
    try:
        fn(*args)
    except BaseException as e:  # noqa: BLE001 - every scenario raises
        labels = {"corpus_bug": bug, "corpus_build": build, "corpus_variant": variant}
        extra = {"service.name": "pyshop", "service.environment": "prod", **labels}
        with scope(labels):
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
if mode == "sentry":
    sentry_sdk.flush()
elif mode == "otel":
    provider.shutdown()
print(f"python {mode}: {count} events", file=sys.stderr)
