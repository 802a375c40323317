package com.acme.corpus.checkout;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Charges customers through one of several gateway hosts. The gateways never
 * answer in the corpus, so every charge times out.
 */
public class PaymentClient {
    private final List<String> gateways;
    private final long timeoutMillis;

    public PaymentClient(List<String> gateways, long timeoutMillis) {
        this.gateways = gateways;
        this.timeoutMillis = timeoutMillis;
    }

    public String charge(long orderId, String customerId) {
        String gateway = gateways.get((int) (orderId % gateways.size()));
        CompletableFuture<String> reply = new CompletableFuture<>();
        try {
            return reply.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Payment gateway " + gateway + " timed out for order " + orderId
                    + " of customer " + customerId, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while charging order " + orderId, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("Charge failed for order " + orderId, e.getCause());
        }
    }
}
