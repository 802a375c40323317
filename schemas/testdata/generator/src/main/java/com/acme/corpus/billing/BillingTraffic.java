package com.acme.corpus.billing;

import com.acme.corpus.platform.Dispatcher;
import com.acme.corpus.platform.Loopback;
import com.acme.corpus.platform.TracingProxy;
import com.acme.corpus.shared.ConfigReloader;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/** The billing service's failing requests, B12 to B22 (see corpus/README.md). */
public final class BillingTraffic {
    private static final String SERVICE = "billing";

    private BillingTraffic() {}

    public static void run(Dispatcher d, Loopback net) {
        InvoiceRepository repository = new DefaultInvoiceRepository(
                Map.of("INV-2024-000100", List.of(new BigDecimal("10.00"))));
        LedgerService ledger = new LedgerService(Map.of(
                "DE/2024-03", LedgerService.PeriodState.CLOSED,
                "DE/2024-04", LedgerService.PeriodState.CLOSED,
                "UK/2024-03", LedgerService.PeriodState.ARCHIVED,
                "UK/2024-04", LedgerService.PeriodState.ARCHIVED));
        TaxService taxes = new TaxService(new TaxClient(Map.of("EU", net.silent(), "US", net.refusing()), 20));
        CurrencyConverter converter = new CurrencyConverter(Map.of("USD", new BigDecimal("0.92")));
        RefundService refunds = new RefundService();
        BillingController direct = new BillingController(
                new InvoiceService(repository), ledger, taxes, converter, refunds);
        BillingController traced = new BillingController(
                new InvoiceService(TracingProxy.wrap(InvoiceRepository.class, repository)),
                ledger, taxes, converter, refunds);
        InvoiceAuditor auditor = new InvoiceAuditor();
        DunningJob dunning = new DunningJob(Map.of(
                "email", new EmailDunningChannel("10.20.0.25:25"),
                "letter", new LetterDunningChannel()));
        int build = d.build();

        // B12: the same failure through the in-house JDK dynamic proxy and directly.
        for (int i = 0; i < 4; i++) {
            String invoiceNo = String.format("INV-2024-%06d", 317 + 40 * i + build);
            boolean proxied = i % 2 == 0;
            BillingController c = proxied ? traced : direct;
            d.run(SERVICE, "B12", proxied ? "jdk-proxy" : "direct", () -> c.closeInvoice(invoiceNo));
        }

        // B13, B14: the same message text ("Ledger period 2024-03 is closed")
        // from different exception types.
        String[] periods = {"2024-03", "2024-04", "2024-03", "2024-04"};
        for (int i = 0; i < periods.length; i++) {
            String period = periods[i];
            BigDecimal amount = new BigDecimal(120 + 15 * i + build);
            d.run(SERVICE, "B13", "closed-" + period, () -> direct.postEntry("DE", period, amount));
        }
        for (int i = 0; i < periods.length; i++) {
            String period = periods[i];
            BigDecimal amount = new BigDecimal(80 + 11 * i + build);
            d.run(SERVICE, "B14", "archived-" + period, () -> direct.postEntry("UK", period, amount));
        }

        // B15, B16, B17: one exception type and place; the cause differs.
        String[][] regions = {
            {"B15", "read-timeout", "EU-DE", "EU-FR", "EU-NL", "EU-AT"},
            {"B16", "connection-refused", "US-CA", "US-NY", "US-TX", "US-WA"},
            {"B17", "no-cause", "AP-SG", "AP-JP", "SA-BR", "AF-ZA"},
        };
        for (String[] bug : regions) {
            for (int i = 2; i < bug.length; i++) {
                String region = bug[i];
                long orderId = 500_000 + 1000L * build + 37L * i;
                d.run(SERVICE, bug[0], bug[1], () -> direct.taxFor(orderId, region));
            }
        }

        // B18: WARN without an exception.
        for (int i = 0; i < 4; i++) {
            String invoiceNo = String.format("INV-2024-%06d", 900 + 13 * i + build);
            BigDecimal invoiceTotal = new BigDecimal("249.90").add(BigDecimal.valueOf(i));
            BigDecimal ledgerTotal = invoiceTotal.subtract(new BigDecimal("0.0" + (i + 1)));
            d.run(SERVICE, "B18", "warn", () -> auditor.audit(invoiceNo, invoiceTotal, ledgerTotal));
        }

        // B19: two different stacks that one explicit MDC fingerprint groups.
        String[][] reminders = {
            {"email", "jane.doe@example.com"},
            {"letter", "Erika Mustermann, Heidestr. 17, 51147"},
            {"email", "ops+billing@example.org"},
            {"letter", "Max Mustermann, Hauptstr. 5, 80331"},
        };
        for (int i = 0; i < reminders.length; i++) {
            String invoiceNo = String.format("INV-2023-%06d", 41 + 9 * i + build);
            String channel = reminders[i][0];
            String recipient = reminders[i][1];
            d.run(SERVICE, "B19", "explicit-fingerprint-" + channel,
                    () -> dunning.remind(invoiceNo, channel, recipient));
        }

        // B20, B21: IllegalArgumentException from two places, one catch block.
        String[] currencies = {"XYZ", "EURO", "US", "ABC"};
        for (int i = 0; i < currencies.length; i++) {
            String currency = currencies[i];
            String refundId = "rf-" + (7100 + 10 * build + i);
            d.run(SERVICE, "B20", "currency-" + currency, () -> direct.refund(
                    refundId, "3f2b8c1e-6a4d-4e7f-9b0a-1c2d3e4f5a6b", new BigDecimal("19.99"), currency));
        }
        String[] payments = {"pay-7731", "3f2b8c1e6a4d4e7f9b0a1c2d3e4f5a6b", "not-a-payment-id", "17"};
        for (int i = 0; i < payments.length; i++) {
            String payment = payments[i];
            String refundId = "rf-" + (7200 + 10 * build + i);
            d.run(SERVICE, "B21", "payment-" + i,
                    () -> direct.refund(refundId, payment, new BigDecimal("5.00"), "USD"));
        }

        // B22: shared code that fails the same way in billing and in inventory (B33).
        String[] backoffs = {"5s", "PT", "30 seconds"};
        for (String backoff : backoffs) {
            ConfigReloader reloader = new ConfigReloader(Map.of("retry.backoff", backoff));
            d.run(SERVICE, "B22", "backoff-" + backoff, reloader::reload);
        }
    }
}
