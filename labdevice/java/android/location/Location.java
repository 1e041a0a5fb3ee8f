package android.location;

public class Location {
    private final String provider;
    private double mLatitude;
    private double mLongitude;
    private long time;
    private float accuracy = 12.0f;

    public Location(String provider) { this.provider = provider; }

    public String getProvider() { return provider; }
    public double getLatitude() { return mLatitude; }
    public double getLongitude() { return mLongitude; }
    public long getTime() { return time; }
    public float getAccuracy() { return accuracy; }
    public void setLatitude(double v) { mLatitude = v; }
    public void setLongitude(double v) { mLongitude = v; }
    public void setTime(long v) { time = v; }
    public void setAccuracy(float v) { accuracy = v; }

    @Override public String toString() { return "Location[" + provider + " " + mLatitude + "," + mLongitude + "]"; }
}
