package com.acme.corpus.jobs;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A scheduled export that runs outside any request and sets no service MDC,
 * so its events reach faultline without a service name.
 */
public class NightlyExport {
    private static final Logger log = LoggerFactory.getLogger(NightlyExport.class);

    private final Path volume;

    public NightlyExport(Path volume) {
        this.volume = volume;
    }

    public void export(String day, int rows) {
        Path file = volume.resolve(day).resolve("orders.csv");
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            for (int i = 0; i < rows; i++) {
                out.write("row " + i + "\n");
            }
        } catch (IOException ex) {
            log.error("Export for {} failed", day, ex);
        }
    }

    public void verify(String batchId, int written, int expected) {
        if (written != expected) {
            log.error("Export batch {} wrote {} of {} rows", batchId, written, expected);
        }
    }
}
