package com.acme.corpus.platform;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the events logback writes (logback-corpus.xml attaches it next to the
 * three encoders), so the Dispatcher can check that each request logged
 * exactly one event.
 */
public final class EventCounter extends AppenderBase<ILoggingEvent> {
    private static final AtomicLong EVENTS = new AtomicLong();

    public static long count() {
        return EVENTS.get();
    }

    @Override
    protected void append(ILoggingEvent event) {
        EVENTS.incrementAndGet();
    }
}
