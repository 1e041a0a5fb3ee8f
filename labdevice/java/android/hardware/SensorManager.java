package android.hardware;

import labdevice.Calls;

public class SensorManager {
    public static final int SENSOR_DELAY_NORMAL = 3;

    public Sensor getDefaultSensor(int type) { return new Sensor(type); }

    public boolean registerListener(SensorEventListener listener, Sensor sensor, int samplingPeriodUs) {
        Calls.hit("android.hardware.SensorManager.registerListener");
        return true;
    }

    public void unregisterListener(SensorEventListener listener) {}
}
