package com.acme.corpus.inventory;

/**
 * Evaluates reorder rules by recursive descent: eval and evalRatio call each
 * other once per nesting level, so the stack repeats the pair of frames as
 * often as the rule is deep.
 */
public class StockRuleEvaluator {
    public int eval(StockRule rule) {
        if (rule instanceof StockRule.Ratio ratio) {
            return evalRatio(ratio);
        }
        return ((StockRule.Constant) rule).value();
    }

    private int evalRatio(StockRule.Ratio ratio) {
        return eval(ratio.numerator()) / eval(ratio.denominator());
    }
}
