package com.acme.corpus.notifications;

import java.util.regex.Pattern;

/** Matches addresses against patterns that users type in: PatternSyntaxException, with a multi-line message. */
public class UnsubscribeFilter {
    public boolean matches(String userPattern, String address) {
        return Pattern.compile(userPattern).matcher(address).matches();
    }
}
