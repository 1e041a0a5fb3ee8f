package android.location;

public class Location {
    private final String provider;
    private double latitude;
    private double longitude;
    private long time;
    private float accuracy = 12.0f;

    public Location(String provider) { this.provider = provider; }

    public String getProvider() { return provider; }
    public double getLatitude() { return latitude; }
    public double getLongitude() { return longitude; }
    public long getTime() { return time; }
    public float getAccuracy() { return accuracy; }
    public void setLatitude(double v) { latitude = v; }
    public void setLongitude(double v) { longitude = v; }
    public void setTime(long v) { time = v; }
    public void setAccuracy(float v) { accuracy = v; }

    @Override public String toString() { return "Location[" + provider + " " + latitude + "," + longitude + "]"; }
}
