package com.acme.corpus.billing;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;

/**
 * Posts ledger entries, per legal entity. A closed and an archived period
 * fail with the same message text but different exception types: two bugs.
 */
public class LedgerService {
    public enum PeriodState { OPEN, CLOSED, ARCHIVED }

    private final Map<String, PeriodState> periods;
    private final Map<String, BigDecimal> balances = new HashMap<>();

    public LedgerService(Map<String, PeriodState> periods) {
        this.periods = periods;
    }

    /** periods is keyed by entity and period, as in "DE/2024-03". */
    public void post(String entity, String period, BigDecimal amount) {
        PeriodState state = periods.getOrDefault(entity + "/" + period, PeriodState.OPEN);
        if (state == PeriodState.CLOSED) {
            throw new IllegalStateException("Ledger period " + period + " is closed");
        }
        if (state == PeriodState.ARCHIVED) {
            throw new UnsupportedOperationException("Ledger period " + period + " is closed");
        }
        balances.merge(entity + "/" + period, amount, BigDecimal::add);
    }
}
