package com.acme.corpus.jobs;

import com.acme.corpus.platform.Dispatcher;
import java.nio.file.Path;

/** Scheduled jobs without a service name, B46 and B47 (see corpus/README.md). */
public final class JobTraffic {
    private JobTraffic() {}

    public static void run(Dispatcher d) {
        NightlyExport export = new NightlyExport(Path.of("/nonexistent-export-volume"));
        int build = d.build();

        // B46: NoSuchFileException; the message is the path.
        for (int i = 0; i < 3; i++) {
            String day = String.format("2024-06-%02d", 10 * build + i);
            d.run(null, "B46", "day-" + day, () -> export.export(day, 10));
        }

        // B47: no exception.
        for (int i = 0; i < 3; i++) {
            String batchId = "batch-" + (100 * build + i);
            int expected = 1000 + 250 * i;
            int written = expected - 1 - i;
            d.run(null, "B47", "short-batch", () -> export.verify(batchId, written, expected));
        }
    }
}
