package com.singular.sdk;

public final class SingularConfig {
    final String apiKey;

    public SingularConfig(String apiKey, String secret) { this.apiKey = apiKey; }
}
