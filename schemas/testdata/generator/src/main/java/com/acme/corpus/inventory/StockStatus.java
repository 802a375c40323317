package com.acme.corpus.inventory;

public enum StockStatus { IN_STOCK, BACKORDERED, DISCONTINUED, ON_HOLD }
