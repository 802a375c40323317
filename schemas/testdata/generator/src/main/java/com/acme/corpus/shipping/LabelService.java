package com.acme.corpus.shipping;

/** Prints labels; called through a Spring-style CGLIB subclass or directly. */
public class LabelService {
    private final LabelRenderer renderer;

    public LabelService(LabelRenderer renderer) {
        this.renderer = renderer;
    }

    public String print(String parcelId, int widthInches) {
        return renderer.render(parcelId, widthInches);
    }
}
