package com.acme.corpus.billing;

public interface DunningChannel {
    void deliver(String invoiceNo, String recipient);
}
