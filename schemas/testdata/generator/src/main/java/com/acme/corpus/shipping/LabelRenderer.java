package com.acme.corpus.shipping;

public class LabelRenderer {
    private static final int PRINTER_WIDTH_INCHES = 4;

    public String render(String parcelId, int widthInches) {
        if (widthInches > PRINTER_WIDTH_INCHES) {
            throw new IllegalArgumentException("Label for parcel " + parcelId + " is " + widthInches
                    + " in wide; the printer takes " + PRINTER_WIDTH_INCHES + " in");
        }
        return "^XA^FD" + parcelId + "^FS^XZ";
    }
}
