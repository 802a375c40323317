package com.acme.corpus.checkout;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports inventory reservations that did not complete. It logs without an
 * exception, with two templates that differ in one word: two bugs.
 */
public class ReservationWatchdog {
    private static final Logger log = LoggerFactory.getLogger(ReservationWatchdog.class);

    public void report(String cartId, boolean expired, long waitedMillis) {
        if (expired) {
            log.error("Inventory reservation for cart {} timed out after {} ms", cartId, waitedMillis);
        } else {
            log.error("Inventory reservation for cart {} failed after {} ms", cartId, waitedMillis);
        }
    }
}
