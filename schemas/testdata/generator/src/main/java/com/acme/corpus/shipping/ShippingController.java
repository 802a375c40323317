package com.acme.corpus.shipping;

import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** The shipping service's entry points; each logs what it catches. */
public class ShippingController {
    private static final Logger log = LoggerFactory.getLogger(ShippingController.class);

    private final QuoteService quotes;
    private final LabelService labels;
    private final ParcelBuilder parcels;
    private final Map<String, Carrier> carriers;
    private final DimensionParser dimensions;

    public ShippingController(QuoteService quotes, LabelService labels, ParcelBuilder parcels,
            Map<String, Carrier> carriers, DimensionParser dimensions) {
        this.quotes = quotes;
        this.labels = labels;
        this.parcels = parcels;
        this.carriers = carriers;
        this.dimensions = dimensions;
    }

    public void quote(String cartId, String zip, int grams) {
        try {
            quotes.quoteCents(zip, grams);
        } catch (RuntimeException ex) {
            log.warn("Falling back to the cached shipping quote for cart {}", cartId, ex);
        }
    }

    public void printLabel(String parcelId, int widthInches) {
        try {
            labels.print(parcelId, widthInches);
        } catch (IllegalArgumentException ex) {
            log.error("Label for parcel {} not printed", parcelId, ex);
        }
    }

    public void pack(String parcelId, List<String> items) {
        try {
            parcels.withPackingSlip(items, "slip-" + parcelId);
        } catch (UnsupportedOperationException ex) {
            log.error("Packing parcel {} failed", parcelId, ex);
        }
    }

    /** A carrier outage is one problem whichever carrier is down: an explicit fingerprint. */
    public void book(String parcelId, String carrier) {
        try {
            carriers.get(carrier).book(parcelId);
        } catch (RuntimeException ex) {
            MDC.put("fingerprint", "carrier-outage");
            try {
                log.error("Booking parcel {} with {} failed", parcelId, carrier, ex);
            } finally {
                MDC.remove("fingerprint");
            }
        }
    }

    public void measure(String parcelId, String dimensionText) {
        try {
            dimensions.centimetres(dimensionText);
        } catch (NumberFormatException ex) {
            log.error("Parcel {} has unreadable dimensions", parcelId, ex);
        }
    }
}
