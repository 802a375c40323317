package com.acme.corpus.shared;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads a service's retry settings. Billing and inventory both run it from
 * their schedulers, so the same mistake in their settings fails with the same
 * stack and the same log line in both services: two groups, one per service.
 */
public final class ConfigReloader {
    private static final Logger log = LoggerFactory.getLogger(ConfigReloader.class);

    private final Map<String, String> settings;
    private Duration backoff = Duration.ofSeconds(1);

    public ConfigReloader(Map<String, String> settings) {
        this.settings = settings;
    }

    public void reload() {
        try {
            backoff = parseBackoff(settings.get("retry.backoff"));
        } catch (DateTimeParseException ex) {
            log.error("Reloading settings failed, keeping retry.backoff {}", backoff, ex);
        }
    }

    public Duration backoff() {
        return backoff;
    }

    private static Duration parseBackoff(String value) {
        return Duration.parse(value);
    }
}
