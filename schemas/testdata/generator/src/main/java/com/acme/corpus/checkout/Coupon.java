package com.acme.corpus.checkout;

public record Coupon(String code, int percent) {}
