package com.acme.corpus.billing;

import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Sends payment reminders. Every delivery failure is one problem to the
 * billing team whichever channel failed, so the job sets an explicit
 * fingerprint in the MDC: two different stacks, one group.
 */
public class DunningJob {
    private static final Logger log = LoggerFactory.getLogger(DunningJob.class);

    private final Map<String, DunningChannel> channels;

    public DunningJob(Map<String, DunningChannel> channels) {
        this.channels = channels;
    }

    public void remind(String invoiceNo, String channel, String recipient) {
        try {
            channels.get(channel).deliver(invoiceNo, recipient);
        } catch (RuntimeException ex) {
            MDC.put("fingerprint", "dunning-delivery");
            try {
                log.error("Dunning notice for invoice {} could not be delivered", invoiceNo, ex);
            } finally {
                MDC.remove("fingerprint");
            }
        }
    }
}
