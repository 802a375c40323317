package com.acme.corpus.notifications;

import com.acme.corpus.platform.Dispatcher;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;

/** The notification service's failing requests, B40 to B45 (see corpus/README.md). */
public final class NotificationTraffic {
    private static final String SERVICE = "notifications";

    private NotificationTraffic() {}

    public static void run(Dispatcher d) {
        NotificationController controller = new NotificationController(
                new EmailSender(),
                new TemplateRenderer(Map.of("order-shipped", "Your order %s shipped on %s with %s.")),
                new UnsubscribeFilter());
        PushGateway push = new PushGateway();
        int build = d.build();

        // B40: the exception message carries the e-mail address.
        String[] recipients = {"bob@example..com", "alice(at)example.org", "ops@localhost", "jane.doe@@example.com"};
        for (int i = 0; i < recipients.length; i++) {
            String recipient = recipients[i];
            long orderId = 900_000 + 1000L * build + i;
            d.run(SERVICE, "B40", "recipient-" + i, () -> controller.orderConfirmation(orderId, recipient));
        }

        // B41: MissingFormatArgumentException from String.format.
        for (int i = 0; i < 4; i++) {
            long orderId = 910_000 + 1000L * build + i;
            Object[] args = i >= 2 ? new Object[] {orderId} : new Object[] {orderId, "2024-06-0" + (i + 1)};
            d.run(SERVICE, "B41", "args-" + args.length,
                    () -> controller.shippedNotice(orderId, "order-shipped", args));
        }

        // B42, B43: no exception; templates one word apart, UUIDs and hex tokens as arguments.
        for (int i = 0; i < 4; i++) {
            UUID id = uuid("rejected", build, i);
            String device = token("device", build, i);
            d.run(SERVICE, "B42", "rejected", () -> push.delivered(id, device, 410));
        }
        for (int i = 0; i < 4; i++) {
            UUID id = uuid("dropped", build, i);
            String device = token("device", build, i + 10);
            d.run(SERVICE, "B43", "dropped", () -> push.delivered(id, device, 429));
        }

        // B44: PatternSyntaxException; its message spans three lines.
        String[] patterns = {"[a-", "(news|promo", "*@example.com", "deals{2,1}"};
        for (String pattern : patterns) {
            d.run(SERVICE, "B44", "pattern-" + pattern,
                    () -> controller.checkUnsubscribe(pattern, "someone@example.com"));
        }

        // B45: WARN without an exception.
        for (int i = 0; i < 4; i++) {
            UUID id = uuid("retry", build, i);
            String gateway = "17.188.143." + (30 + 7 * i) + ":443";
            long delay = 250L << i;
            int attempt = i + 1;
            d.run(SERVICE, "B45", "warn", () -> push.retryLater(id, gateway, delay, attempt));
        }
    }

    private static UUID uuid(String kind, int build, int i) {
        return UUID.nameUUIDFromBytes((kind + "/" + build + "/" + i).getBytes(StandardCharsets.UTF_8));
    }

    /** A 64-digit hex device token, as APNs issues them. */
    private static String token(String kind, int build, int i) {
        return (uuid(kind, build, i).toString() + uuid(kind + "+", build, i)).replace("-", "");
    }
}
