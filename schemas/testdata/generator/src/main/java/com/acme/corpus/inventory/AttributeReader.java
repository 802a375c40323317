package com.acme.corpus.inventory;

import java.util.Map;

/** Reads product attributes that a supplier sometimes sends as strings: a ClassCastException. */
public class AttributeReader {
    public int packSize(Map<String, Object> attributes) {
        return (Integer) attributes.get("packSize");
    }
}
