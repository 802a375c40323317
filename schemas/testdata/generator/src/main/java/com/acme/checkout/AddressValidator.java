package com.acme.checkout;

/** Rejects an address with a multi-line message, as Bean Validation does. */
public final class AddressValidator {
    private AddressValidator() {}

    public static void validate(String street, String zip) {
        StringBuilder violations = new StringBuilder();
        if (street.isBlank()) {
            violations.append("\n  street: must not be blank");
        }
        if (!zip.matches("\\d{5}")) {
            violations.append("\n  zip: must match \"\\d{5}\"");
        }
        if (violations.length() > 0) {
            throw new IllegalArgumentException("Invalid shipping address:" + violations);
        }
    }
}
