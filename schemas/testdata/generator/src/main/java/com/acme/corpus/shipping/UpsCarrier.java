package com.acme.corpus.shipping;

import java.util.NoSuchElementException;

public class UpsCarrier implements Carrier {
    @Override
    public String book(String parcelId) {
        throw new NoSuchElementException("UPS has no pickup slot left for parcel " + parcelId);
    }
}
