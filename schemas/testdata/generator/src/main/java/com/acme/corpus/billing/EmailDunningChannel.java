package com.acme.corpus.billing;

public class EmailDunningChannel implements DunningChannel {
    private final String relay;

    public EmailDunningChannel(String relay) {
        this.relay = relay;
    }

    @Override
    public void deliver(String invoiceNo, String recipient) {
        throw new IllegalStateException("SMTP relay " + relay + " refused recipient " + recipient);
    }
}
