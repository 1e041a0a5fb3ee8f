package com.labshop.travel;

import android.content.Context;
import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import labdevice.Lab;
import labdevice.LabScenario;
import labdevice.LabSession;

/**
 * A travel app that loads its map SDK as a plugin after start-up, through a new
 * URLClassLoader over a directory that is not on the class path (the plugin is compiled on
 * its own: labdevice/plugins/amap_maps). The SDK registers with the IMEI before the privacy
 * dialog; the app then reports the user's answer to the SDK's own consent API.
 */
public final class LateSdkScenario extends LabScenario {
    static final String PLUGIN = "amap_maps";
    static final String SDK_CLASS = "com.amap.api.maps.MapsInitializer";

    public LateSdkScenario() {
        // Runs before the start gate: loads the JDK's class-loader machinery once, as a phone's
        // zygote has it preloaded, without touching the plugin's classes.
        try (URLClassLoader warmUp = new URLClassLoader(new URL[] {pluginDir().toURI().toURL()}, getClass().getClassLoader())) {
            warmUp.getResource("META-INF/none");
        } catch (Exception e) {
            Lab.say("PRELOAD_FAILED " + e);
        }
    }

    @Override public String packageName() { return "com.labshop.travel"; }

    @Override public void run(LabSession s) throws Exception {
        s.fetchHome();
        long started = System.nanoTime();
        URLClassLoader plugin = new URLClassLoader(new URL[] {pluginDir().toURI().toURL()}, getClass().getClassLoader());
        Class<?> sdk = Class.forName(SDK_CLASS, true, plugin);
        Lab.say("PLUGIN_LOADED " + SDK_CLASS + " " + (System.nanoTime() - started) / 1000 + "us");
        call(sdk, "updatePrivacyShow", new Class<?>[] {Context.class, boolean.class, boolean.class}, s.app, true, true);
        call(sdk, "initialize", new Class<?>[] {Context.class}, s.app);
        String choice = s.askConsent();
        if (choice.equals("none")) return;
        boolean granted = choice.equals("accept");
        s.storeConsent(granted);
        call(sdk, "updatePrivacyAgree", new Class<?>[] {Context.class, boolean.class}, s.app, granted);
    }

    private static void call(Class<?> sdk, String name, Class<?>[] types, Object... args) throws Exception {
        Method method = sdk.getMethod(name, types);
        method.invoke(null, args);
    }

    /** The plugin's classes: compiled by the lab build next to the app's, under plugins/. */
    static File pluginDir() {
        try {
            File classes = new File(LateSdkScenario.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return new File(new File(classes, "plugins"), PLUGIN);
        } catch (Exception e) {
            throw new IllegalStateException("cannot locate the lab classes", e);
        }
    }
}
