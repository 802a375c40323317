package com.acme.corpus.shipping;

import java.util.concurrent.CompletableFuture;

/** Quotes asynchronously on the common ForkJoinPool; join() wraps failures in CompletionException. */
public class QuoteService {
    private final CarrierApi carrier;

    public QuoteService(CarrierApi carrier) {
        this.carrier = carrier;
    }

    public long quoteCents(String zip, int grams) {
        return CompletableFuture.supplyAsync(() -> carrier.quoteCents(zip, grams)).join();
    }
}
