package com.acme.corpus.inventory;

import java.util.List;

/** Drops expired reservations while iterating: a ConcurrentModificationException. */
public class ReservationSweeper {
    public int sweep(List<Long> expiriesMillis, long nowMillis) {
        int removed = 0;
        for (Long expiry : expiriesMillis) {
            if (expiry < nowMillis) {
                expiriesMillis.remove(expiry);
                removed++;
            }
        }
        return removed;
    }
}
