package com.acme.corpus.notifications;

import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports push delivery results. Logs without exceptions: two ERROR templates
 * one word apart, and a WARN.
 */
public class PushGateway {
    private static final Logger log = LoggerFactory.getLogger(PushGateway.class);

    public void delivered(UUID notificationId, String deviceToken, int status) {
        if (status == 410) {
            log.error("Push notification {} to device {} was rejected", notificationId, deviceToken);
        } else if (status == 429) {
            log.error("Push notification {} to device {} was dropped", notificationId, deviceToken);
        }
    }

    public void retryLater(UUID notificationId, String gateway, long delayMillis, int attempt) {
        log.warn("Retrying push notification {} via {} in {} ms (attempt {})",
                notificationId, gateway, delayMillis, attempt);
    }
}
