package com.acme.corpus.shipping;

import java.util.Arrays;
import java.util.List;

/** Parses "30x20x15" with a stream and a method reference to Integer.parseInt. */
public class DimensionParser {
    public List<Integer> centimetres(String dimensions) {
        return Arrays.stream(dimensions.split("x")).map(Integer::parseInt).toList();
    }
}
