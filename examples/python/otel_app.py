"""Python logging through the OpenTelemetry logging handler to faultline.

OTEL_EXPORTER_OTLP_LOGS_ENDPOINT=http://<faultline host:port>/v1/logs
OTEL_EXPORTER_OTLP_HEADERS=Authorization=Bearer%20<faultline API key>
OTEL_SERVICE_NAME=shop python otel_app.py
"""
import logging

from opentelemetry._logs import set_logger_provider
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor

from shop import charge

# Endpoint, headers and service name come from the OTEL_* variables.
provider = LoggerProvider()
provider.add_log_record_processor(BatchLogRecordProcessor(OTLPLogExporter()))
set_logger_provider(provider)
logging.getLogger().addHandler(LoggingHandler(level=logging.WARNING, logger_provider=provider))
log = logging.getLogger("shop.checkout")

try:
    charge("o-1", 0)
except ValueError:
    # exc_info becomes exception.type, exception.message and exception.stacktrace.
    log.exception("checkout of order o-1 failed")

provider.shutdown()  # flushes the batch before exit
