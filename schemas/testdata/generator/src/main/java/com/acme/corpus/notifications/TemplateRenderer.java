package com.acme.corpus.notifications;

import java.util.Map;

/** Fills message templates with String.format; a template with more placeholders than arguments fails. */
public class TemplateRenderer {
    private final Map<String, String> templates;

    public TemplateRenderer(Map<String, String> templates) {
        this.templates = templates;
    }

    public String render(String templateId, Object... args) {
        return String.format(templates.get(templateId), args);
    }
}
