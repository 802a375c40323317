package com.acme.corpus.notifications;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

public class EmailSender {
    private static final Pattern ADDRESS = Pattern.compile("[^@\\s]+@[^@\\s.]+(\\.[^@\\s.]+)+");

    private final List<String> outbox = new ArrayList<>();

    public void send(String to, String subject) {
        if (!ADDRESS.matcher(to).matches()) {
            throw new IllegalArgumentException("Invalid recipient address: " + to);
        }
        outbox.add(to + ": " + subject);
    }
}
