package com.acme.shop;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.CommandLineRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/** Logs one failed checkout at start-up, then exits. */
@SpringBootApplication
public class ShopApplication implements CommandLineRunner {
    private static final Logger log = LoggerFactory.getLogger(ShopApplication.class);

    public static void main(String[] args) {
        SpringApplication.run(ShopApplication.class, args);
    }

    @Override
    public void run(String... args) {
        try {
            new PaymentService().charge("o-1", 0);
        } catch (IllegalArgumentException e) {
            log.error("checkout of order o-1 failed", e);
        }
    }

    static class PaymentService {
        void charge(String order, long cents) {
            if (cents <= 0) {
                throw new IllegalArgumentException("amount must be positive");
            }
        }
    }
}
