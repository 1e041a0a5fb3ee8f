package com.labshop.travel;

import android.content.Context;
import android.util.Log;
import com.labshop.common.ShopActivity;
import dalvik.system.DexClassLoader;
import java.io.File;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Method;

/**
 * A travel app that loads its map SDK as a plugin after start-up: the SDK ships as
 * assets/payload.jar, is copied into the app's data and loaded through a DexClassLoader, so
 * no class loader sees it at start-up. The SDK registers with the IMEI before the privacy
 * dialog; the app then reports the user's answer to the SDK's own consent API.
 */
public final class MainActivity extends ShopActivity {
    static final String SDK_CLASS = "com.amap.api.maps.MapsInitializer";
    private Class<?> sdk;

    @Override protected String appTitle() { return "旅行"; }

    @Override protected void onAppStart() {
        super.onAppStart();
        try {
            long started = System.nanoTime();
            File jar = extract(this, "payload.jar");
            DexClassLoader plugin = new DexClassLoader(jar.getPath(), getDir("dex", 0).getPath(), null, getClassLoader());
            sdk = Class.forName(SDK_CLASS, true, plugin);
            Log.i("PLUGIN_LOADED", SDK_CLASS + " " + (System.nanoTime() - started) / 1000 + "us");
            call("updatePrivacyShow", new Class<?>[] {Context.class, boolean.class, boolean.class}, getApplication(), true, true);
            call("initialize", new Class<?>[] {Context.class}, getApplication());
        } catch (Exception e) {
            Log.e("PLUGIN", "map SDK not loaded", e);
        }
    }

    @Override protected void onConsentResult(boolean granted) {
        try {
            if (sdk != null) call("updatePrivacyAgree", new Class<?>[] {Context.class, boolean.class}, getApplication(), granted);
        } catch (Exception e) {
            Log.e("PLUGIN", "updatePrivacyAgree failed", e);
        }
    }

    private void call(String name, Class<?>[] types, Object... args) throws Exception {
        Method method = sdk.getMethod(name, types);
        method.invoke(null, args);
    }

    static File extract(Context context, String asset) throws Exception {
        File out = new File(context.getDir("plugins", 0), asset);
        try (InputStream in = context.getAssets().open(asset); OutputStream os = new FileOutputStream(out)) {
            in.transferTo(os);
        }
        return out;
    }
}
