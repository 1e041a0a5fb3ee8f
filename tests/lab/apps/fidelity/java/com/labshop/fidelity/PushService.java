package com.labshop.fidelity;

import android.app.Application;
import android.app.Service;
import android.content.Intent;
import android.util.Log;

/** Declared with android:process=":push": Android runs it in a process of its own. */
public class PushService extends Service {
    @Override public void onCreate() {
        Log.i("PUSH", "service onCreate in " + Application.getProcessName() + " pid " + android.os.Process.myPid());
    }

    @Override public Object onBind(Intent intent) { return null; }
}
