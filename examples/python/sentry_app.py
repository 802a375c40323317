"""sentry-sdk reporting to faultline: the DSN is the only change.

SENTRY_DSN=http://<faultline API key>@<faultline host:port>/1 python sentry_app.py
"""
import logging

import sentry_sdk

from shop import charge

# The DSN comes from SENTRY_DSN; release becomes service.version.
sentry_sdk.init(release="shop@1.0.0", environment="prod")
# Names the service when faultline runs without keys (with one, the key decides).
sentry_sdk.set_tag("service", "shop")
log = logging.getLogger("shop.checkout")

try:
    charge("o-1", 0)
except ValueError:
    # The logging integration sends ERROR records as events, with the traceback.
    log.exception("checkout of order o-1 failed")

sentry_sdk.flush()
