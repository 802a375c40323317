package com.acme.corpus.checkout;

/** Formats shipping labels; a missing street is a NullPointerException. */
public class AddressFormatter {
    public String shippingLabel(Address address) {
        return address.street().trim() + "\n" + address.zip() + " " + address.city();
    }
}
