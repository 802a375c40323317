package com.acme.corpus;

import ch.qos.logback.classic.LoggerContext;
import com.acme.corpus.billing.BillingTraffic;
import com.acme.corpus.checkout.CheckoutTraffic;
import com.acme.corpus.inventory.InventoryTraffic;
import com.acme.corpus.jobs.JobTraffic;
import com.acme.corpus.notifications.NotificationTraffic;
import com.acme.corpus.platform.Dispatcher;
import com.acme.corpus.platform.Loopback;
import com.acme.corpus.shipping.ShippingTraffic;
import org.slf4j.LoggerFactory;

/**
 * Writes faultline's labelled grouping corpus (schemas/testdata/corpus): the
 * failing requests of five services and a scheduled job, each really
 * throwing, each logged once through logback-corpus.xml's three encoders with
 * its true bug in the MDC key corpus_bug. generate.sh runs it twice, the
 * second time from a copy of this package with every line moved down (a
 * deploy), with -Dcorpus.build=1 and 2.
 */
public final class CorpusApp {
    private CorpusApp() {}

    public static void main(String[] args) throws Exception {
        String build = System.getProperty("corpus.build", "");
        if (System.getProperty("corpus.dir") == null || !build.matches("[12]")) {
            throw new IllegalStateException("set -Dcorpus.dir=<output directory> and -Dcorpus.build=1 or 2");
        }
        // Before the first logger: the fixtures' logback.xml is on the class path too.
        System.setProperty("logback.configurationFile", "logback-corpus.xml");
        try (Dispatcher d = new Dispatcher(Integer.parseInt(build)); Loopback net = Loopback.start()) {
            CheckoutTraffic.run(d);
            BillingTraffic.run(d, net);
            InventoryTraffic.run(d);
            ShippingTraffic.run(d, net);
            NotificationTraffic.run(d);
            JobTraffic.run(d);
        } finally {
            ((LoggerContext) LoggerFactory.getILoggerFactory()).stop();
        }
    }
}
