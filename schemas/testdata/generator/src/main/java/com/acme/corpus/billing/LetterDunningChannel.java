package com.acme.corpus.billing;

public class LetterDunningChannel implements DunningChannel {
    @Override
    public void deliver(String invoiceNo, String recipient) {
        String postcode = recipient.substring(recipient.lastIndexOf(' ') + 1);
        throw new UnsupportedOperationException("The print shop does not deliver to postcode " + postcode);
    }
}
