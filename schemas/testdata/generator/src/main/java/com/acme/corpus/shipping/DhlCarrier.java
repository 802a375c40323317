package com.acme.corpus.shipping;

public class DhlCarrier implements Carrier {
    @Override
    public String book(String parcelId) {
        throw new IllegalStateException("DHL booking API answered 503 for parcel " + parcelId);
    }
}
