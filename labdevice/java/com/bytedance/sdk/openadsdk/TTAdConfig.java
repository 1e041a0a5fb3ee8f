package com.bytedance.sdk.openadsdk;

public final class TTAdConfig {
    private final String appId;

    private TTAdConfig(String appId) { this.appId = appId; }

    public String getAppId() { return appId; }

    public static final class Builder {
        private String appId = "";

        public Builder appId(String appId) { this.appId = appId; return this; }

        public TTAdConfig build() { return new TTAdConfig(appId); }
    }
}
