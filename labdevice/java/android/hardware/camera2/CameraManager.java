package android.hardware.camera2;

import android.content.Context;
import java.util.concurrent.Executor;
import labdevice.Calls;

/**
 * Camera2's entry point. Only the Executor form of openCamera (API 28) is mirrored: the
 * Handler form needs the main looper of android.os, which the mirror's app classes own.
 */
public final class CameraManager {
    public CameraManager(Context context) {}

    public String[] getCameraIdList() { return new String[] {"0", "1"}; }

    public void openCamera(String cameraId, Executor executor, CameraDevice.StateCallback callback) {
        Calls.hit("android.hardware.camera2.CameraManager.openCamera");
        CameraDevice device = new CameraDevice() {
            @Override public String getId() { return cameraId; }
            @Override public void close() {}
        };
        executor.execute(() -> callback.onOpened(device));
    }
}
