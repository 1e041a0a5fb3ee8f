package com.labshop.fidelity;

import android.app.Application;
import android.util.Log;

public class FidelityApplication extends Application {
    @Override public void onCreate() {
        super.onCreate();
        Log.i("FIDELITY", "application onCreate in " + getProcessName() + " pid " + android.os.Process.myPid());
    }
}
