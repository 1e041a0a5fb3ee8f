package com.bun.miitmdid.interfaces;

public interface IdSupplier {
    boolean isSupported();
    String getOAID();
    String getVAID();
    String getAAID();
}
