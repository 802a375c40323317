package com.acme.corpus.shipping;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Picks a carrier by weight; no carrier takes the heaviest parcels, which is logged without an exception. */
public class CarrierSelector {
    private static final Logger log = LoggerFactory.getLogger(CarrierSelector.class);
    private static final int MAX_GRAMS = 31_500;

    public String select(String parcelId, int grams) {
        if (grams > MAX_GRAMS) {
            log.error("No carrier accepts parcel {} weighing {} g", parcelId, grams);
            return null;
        }
        return grams > 5_000 ? "freight" : "parcel";
    }
}
