"""The lab device: a JVM that mirrors the Android framework, its scenario apps, and the
loopback network (lab CA, HTTPS backend, mitmproxy addon) they talk through."""
