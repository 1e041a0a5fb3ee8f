package com.labshop.packer;

import android.app.Activity;
import android.os.Bundle;
import android.util.Log;
import android.widget.TextView;

public class RealActivity extends Activity {
    @Override protected void onCreate(Bundle savedInstanceState) {
        super.onCreate(savedInstanceState);
        Log.i("PACKER", "activity loaded by " + getClass().getClassLoader().getClass().getName());
        TextView text = new TextView(this);
        text.setText("解壳成功");
        setContentView(text);
    }
}
