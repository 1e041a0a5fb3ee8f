package com.labshop.guide;

import android.app.Activity;
import android.os.Bundle;
import android.widget.Button;
import android.widget.CheckBox;
import android.widget.LinearLayout;
import android.widget.TextView;
import com.labshop.common.Privacy;

/** Manage: one switch per purpose, all off by default (GDPR: no pre-ticked boxes); Save choices. */
public final class ManageActivity extends Activity {
    @Override protected void onCreate(Bundle savedInstanceState) {
        super.onCreate(savedInstanceState);
        LinearLayout page = new LinearLayout(this);
        page.setOrientation(LinearLayout.VERTICAL);
        page.setPadding(48, 96, 48, 48);
        TextView title = new TextView(this);
        title.setText("Manage privacy choices");
        title.setTextSize(22);
        page.addView(title);
        CheckBox analytics = new CheckBox(this);
        analytics.setText("Analytics");
        page.addView(analytics);
        CheckBox ads = new CheckBox(this);
        ads.setText("Personalised advertising");
        page.addView(ads);
        Button save = new Button(this);
        save.setText("Save choices");
        save.setOnClickListener(v -> {
            Privacy.store(this, analytics.isChecked() || ads.isChecked());
            finish();
        });
        page.addView(save);
        setContentView(page);
    }
}
