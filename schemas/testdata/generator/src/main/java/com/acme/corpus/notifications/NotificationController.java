package com.acme.corpus.notifications;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The notification service's entry points; each logs what it catches. */
public class NotificationController {
    private static final Logger log = LoggerFactory.getLogger(NotificationController.class);

    private final EmailSender email;
    private final TemplateRenderer templates;
    private final UnsubscribeFilter unsubscribe;

    public NotificationController(EmailSender email, TemplateRenderer templates, UnsubscribeFilter unsubscribe) {
        this.email = email;
        this.templates = templates;
        this.unsubscribe = unsubscribe;
    }

    public void orderConfirmation(long orderId, String recipient) {
        try {
            email.send(recipient, "Your order " + orderId);
        } catch (IllegalArgumentException ex) {
            log.error("Confirmation for order {} not sent", orderId, ex);
        }
    }

    public void shippedNotice(long orderId, String templateId, Object... args) {
        try {
            templates.render(templateId, args);
        } catch (IllegalArgumentException ex) {
            log.error("Shipping notice for order {} could not be rendered", orderId, ex);
        }
    }

    public void checkUnsubscribe(String userPattern, String address) {
        try {
            unsubscribe.matches(userPattern, address);
        } catch (IllegalArgumentException ex) {
            log.error("Unsubscribe rule {} is broken", userPattern, ex);
        }
    }
}
