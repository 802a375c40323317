package com.acme.corpus.checkout;

public record Address(String street, String zip, String city) {}
