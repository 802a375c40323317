package com.acme.corpus.shipping;

public interface Carrier {
    String book(String parcelId);
}
