package com.acme.corpus.inventory;

/** A reorder rule as an expression tree. */
public sealed interface StockRule {
    record Constant(int value) implements StockRule {}

    record Ratio(StockRule numerator, StockRule denominator) implements StockRule {}
}
