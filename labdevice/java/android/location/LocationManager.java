package android.location;

import android.os.CancellationSignal;
import android.os.Looper;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import labdevice.Calls;
import labdevice.DeviceProfile;

/** Location requests answer at once with the profile's fix (the lab has no GPS to wait for). */
public class LocationManager {
    public static final String GPS_PROVIDER = "gps";
    public static final String NETWORK_PROVIDER = "network";
    private static final String API = "android.location.LocationManager.";

    public Location getLastKnownLocation(String provider) {
        Calls.hit(API + "getLastKnownLocation");
        return fix(provider);
    }

    public void requestLocationUpdates(String provider, long minTimeMs, float minDistanceM, LocationListener listener) {
        Calls.hit(API + "requestLocationUpdates");
        listener.onLocationChanged(fix(provider));
    }

    public void requestSingleUpdate(String provider, LocationListener listener, Looper looper) {
        Calls.hit(API + "requestSingleUpdate");
        listener.onLocationChanged(fix(provider));
    }

    public void getCurrentLocation(String provider, CancellationSignal cancellationSignal, Executor executor, Consumer<Location> consumer) {
        Calls.hit(API + "getCurrentLocation");
        Location location = fix(provider);
        executor.execute(() -> consumer.accept(location));
    }

    public void removeUpdates(LocationListener listener) {}

    private static Location fix(String provider) {
        Location location = new Location(provider);
        location.setLatitude(DeviceProfile.latitude());
        location.setLongitude(DeviceProfile.longitude());
        location.setTime(System.currentTimeMillis());
        return location;
    }
}
