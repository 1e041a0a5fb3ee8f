package com.labshop.fidelity;

import android.app.Activity;
import android.app.AlertDialog;
import android.app.Dialog;
import android.content.DialogInterface;
import android.content.Intent;
import android.content.SharedPreferences;
import android.os.Bundle;
import android.os.Handler;
import android.os.Looper;
import android.os.SystemClock;
import android.util.Log;
import android.widget.Button;
import android.widget.LinearLayout;
import android.widget.TextView;

/** Probes the Android behaviours the analyzer depends on and logs what it saw (tag FIDELITY). */
public class MainActivity extends Activity {
    private static final String TAG = "FIDELITY";

    @Override protected void onCreate(Bundle savedInstanceState) {
        super.onCreate(savedInstanceState);
        SharedPreferences prefs = getSharedPreferences("state", MODE_PRIVATE);
        int launches = prefs.getInt("launches", 0) + 1;
        prefs.edit().putInt("launches", launches).commit();
        Log.i(TAG, "launch " + launches);
        Log.i(TAG, "permission INTERNET " + checkSelfPermission("android.permission.INTERNET"));

        LinearLayout root = new LinearLayout(this);
        root.setOrientation(LinearLayout.VERTICAL);
        final TextView status = new TextView(this);
        status.setText("ready");
        root.addView(status);
        Button check = new Button(this);
        check.setText("检查线程");
        check.setOnClickListener(v -> {
            status.setText("clicked");
            Log.i(TAG, "click on " + Thread.currentThread().getName() + " main=" + (Looper.myLooper() == Looper.getMainLooper()));
        });
        root.addView(check);
        Button crash = new Button(this);
        crash.setText("制造崩溃");
        crash.setOnClickListener(v -> { throw new IllegalStateException("boom"); });
        root.addView(crash);
        setContentView(root);

        AlertDialog dialog = new AlertDialog.Builder(this)
            .setTitle("提示")
            .setMessage("fidelity")
            .setPositiveButton("好", (DialogInterface d, int which) ->
                Log.i(TAG, "dialog button on " + Thread.currentThread().getName()))
            .create();
        Log.i(TAG, "button before show " + (dialog.getButton(DialogInterface.BUTTON_POSITIVE) != null));
        dialog.show();
        Log.i(TAG, "button after show " + (dialog.getButton(DialogInterface.BUTTON_POSITIVE) != null));

        new Thread(() -> {
            status.setText("before the window exists");  // allowed on Android too: not attached yet
            Log.i(TAG, "offthread before attach allowed");
            while (!status.isAttachedToWindow()) SystemClock.sleep(5);
            try {
                status.setText("from a worker");
                Log.i(TAG, "offthread setText allowed");
            } catch (RuntimeException e) {
                Log.i(TAG, "offthread " + e.getClass().getName() + ": " + e.getMessage());
            }
            try {
                new Dialog(this);
                Log.i(TAG, "offthread dialog allowed");
            } catch (RuntimeException e) {
                Log.i(TAG, "offthread dialog " + e.getMessage());
            }
            runOnUiThread(() -> {
                status.setText("via runOnUiThread");
                Log.i(TAG, "runOnUiThread on " + Thread.currentThread().getName());
            });
        }, "worker").start();
        new Handler(Looper.getMainLooper()).postDelayed(() -> Log.i(TAG, "handler on " + Thread.currentThread().getName()), 50);
        startService(new Intent(this, PushService.class));
    }
}
