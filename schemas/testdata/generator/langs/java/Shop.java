// Writes the Java cases of faultline's language corpus, to measure Java's
// grouping rule on the cases the other languages are held to: two throws
// with different constant messages in one method, and one throw site
// reached through two callers. Each event is a plain JSON line whose
// stack_trace is Throwable.printStackTrace's text, as the logback encoders
// write it. Run as a single-file program: java Shop.java BUILD OUT_DIR
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

public class Shop {
    static final Map<String, Integer> PRICES = Map.of("apple", 120, "pear", 90);

    static void validatePayment(int amount, String currency) {
        if (amount <= 0) {
            throw new IllegalArgumentException("amount must be positive");
        }
        if (currency.isEmpty()) {
            throw new IllegalArgumentException("currency is required");
        }
    }

    static int priceOf(String sku) {
        Integer p = PRICES.get(sku);
        if (p == null) {
            throw new IllegalStateException("no price for " + sku);
        }
        return p;
    }

    static int checkout(List<String> skus) {
        int total = 0;
        for (String s : skus) {
            total += priceOf(s);
        }
        return total;
    }

    static int quote(String sku, int qty) {
        return priceOf(sku) * qty;
    }

    static String build;
    static final List<String> lines = new ArrayList<>();

    static void run(String bug, String variant, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            StringWriter w = new StringWriter();
            e.printStackTrace(new PrintWriter(w));
            lines.add("{\"level\":\"ERROR\",\"message\":\"request failed\",\"service\":\"jshop\",\"corpus_bug\":\"" + bug
                    + "\",\"corpus_build\":\"" + build + "\",\"corpus_variant\":\"" + variant + "\",\"stack_trace\":\""
                    + json(w.toString()) + "\"}");
            return;
        }
        throw new IllegalStateException(bug + " did not throw");
    }

    static String json(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    public static void main(String[] args) throws Exception {
        build = args[0];
        for (int amount : new int[] {0, -5, -100}) {
            run("J01", "amount", () -> validatePayment(amount, "EUR"));
        }
        for (int amount : new int[] {10, 20, 30}) {
            run("J02", "currency", () -> validatePayment(amount, ""));
        }
        for (String sku : new String[] {"kiwi", "mango", "plum"}) {
            run("J03", "via-checkout", () -> checkout(List.of("apple", sku)));
            run("J03", "via-quote", () -> quote(sku, 3));
        }
        Files.write(Path.of(args[1], "java-text.build" + build + ".ndjson"), lines);
        System.err.println("java: " + lines.size() + " events");
    }
}
