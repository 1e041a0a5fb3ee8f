package com.labshop.packer.shell;

import android.app.Application;
import android.content.Context;
import android.util.Log;
import dalvik.system.DexClassLoader;
import java.io.File;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;

/**
 * A packer's shell: the APK holds only this class; the app's real code is an encrypted blob in
 * assets (here a plain jar), copied out at start and loaded through a DexClassLoader that then
 * replaces the package's class loader (LoadedApk.mClassLoader), so activities come from it.
 */
public class StubApplication extends Application {
    @Override protected void attachBaseContext(Context base) {
        super.attachBaseContext(base);
        try {
            File payload = new File(base.getDir("payload", 0), "classes.jar");
            try (InputStream in = base.getAssets().open("payload.jar"); OutputStream out = new FileOutputStream(payload)) {
                in.transferTo(out);
            }
            DexClassLoader loader = new DexClassLoader(payload.getPath(), base.getDir("odex", 0).getPath(), null, base.getClassLoader());
            Field packageInfo = base.getClass().getDeclaredField("mPackageInfo");
            packageInfo.setAccessible(true);
            Object loadedApk = packageInfo.get(base);
            Field classLoader = loadedApk.getClass().getDeclaredField("mClassLoader");
            classLoader.setAccessible(true);
            classLoader.set(loadedApk, loader);
            Log.i("PACKER", "payload loader installed");
        } catch (Exception e) {
            Log.e("PACKER", "unpacking failed", e);
        }
    }
}
