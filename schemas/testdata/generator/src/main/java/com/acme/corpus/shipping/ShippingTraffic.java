package com.acme.corpus.shipping;

import com.acme.checkout.SpringLikeProxies;
import com.acme.corpus.platform.Dispatcher;
import com.acme.corpus.platform.Loopback;
import java.util.List;
import java.util.Map;

/** The shipping service's failing requests, B34 to B39 (see corpus/README.md). */
public final class ShippingTraffic {
    private static final String SERVICE = "shipping";

    private ShippingTraffic() {}

    public static void run(Dispatcher d, Loopback net) throws ReflectiveOperationException {
        LabelRenderer renderer = new LabelRenderer();
        LabelService cglibLabels = SpringLikeProxies.cglibSubclass(LabelService.class)
                .getDeclaredConstructor(LabelRenderer.class)
                .newInstance(renderer);
        QuoteService quotes = new QuoteService(new CarrierApi(net.refusing()));
        Map<String, Carrier> carriers = Map.of("dhl", new DhlCarrier(), "ups", new UpsCarrier());
        ShippingController viaCglib = new ShippingController(
                quotes, cglibLabels, new ParcelBuilder(), carriers, new DimensionParser());
        ShippingController direct = new ShippingController(
                quotes, new LabelService(renderer), new ParcelBuilder(), carriers, new DimensionParser());
        CarrierSelector selector = new CarrierSelector();
        int build = d.build();

        // B34: WARN with a CompletionException from a ForkJoinPool worker.
        String[] zips = {"10115", "80331", "20095", "50667"};
        for (int i = 0; i < zips.length; i++) {
            String zip = zips[i];
            String cartId = "cart-" + (8100 + 10 * build + i);
            int grams = 900 + 250 * i;
            d.run(SERVICE, "B34", "warn-async", () -> direct.quote(cartId, zip, grams));
        }

        // B35: the same failure through the CGLIB-style subclass and directly.
        for (int i = 0; i < 4; i++) {
            String parcelId = String.format("1Z999AA1%010d", 1234567 + 7919L * i + build);
            int width = 5 + i % 3;
            boolean cglib = i % 2 == 0;
            ShippingController c = cglib ? viaCglib : direct;
            d.run(SERVICE, "B35", cglib ? "cglib" : "direct", () -> c.printLabel(parcelId, width));
        }

        // B36: no exception.
        int[] weights = {32_000, 45_250, 31_501, 38_900};
        for (int i = 0; i < weights.length; i++) {
            String parcelId = "parcel-" + (8300 + 10 * build + i);
            int grams = weights[i];
            d.run(SERVICE, "B36", "overweight", () -> selector.select(parcelId, grams));
        }

        // B37: UnsupportedOperationException from an immutable list.
        for (int i = 0; i < 4; i++) {
            String parcelId = "parcel-" + (8400 + 10 * build + i);
            List<String> items = i == 0 ? List.of("SKU-1") : List.of("SKU-1", "SKU-2", "SKU-" + (30 + i));
            d.run(SERVICE, "B37", "items-" + items.size(), () -> direct.pack(parcelId, items));
        }

        // B38: two carriers fail with different stacks; one explicit MDC fingerprint.
        String[] bookedWith = {"dhl", "ups", "ups", "dhl"};
        for (int i = 0; i < bookedWith.length; i++) {
            String carrier = bookedWith[i];
            String parcelId = "parcel-" + (8500 + 10 * build + i);
            d.run(SERVICE, "B38", "explicit-fingerprint-" + carrier, () -> direct.book(parcelId, carrier));
        }

        // B39: NumberFormatException inside a stream, through a method reference.
        String[] dimensions = {"30x20xabc", "40x3Ox10", "25x25x1.5", "60 x 40 x 40"};
        for (int i = 0; i < dimensions.length; i++) {
            String text = dimensions[i];
            String parcelId = "parcel-" + (8600 + 10 * build + i);
            d.run(SERVICE, "B39", "dimensions-" + text, () -> direct.measure(parcelId, text));
        }
    }
}
