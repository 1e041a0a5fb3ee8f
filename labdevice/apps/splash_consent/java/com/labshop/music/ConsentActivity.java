package com.labshop.music;

import android.app.Activity;
import android.os.Bundle;
import android.view.ViewGroup;
import android.widget.Button;
import android.widget.LinearLayout;
import android.widget.TextView;
import com.labshop.common.Privacy;

/** A full-screen consent page (an activity, not a dialog): 同意并继续 / 不同意. */
public final class ConsentActivity extends Activity {
    @Override protected void onCreate(Bundle savedInstanceState) {
        super.onCreate(savedInstanceState);
        LinearLayout page = new LinearLayout(this);
        page.setOrientation(LinearLayout.VERTICAL);
        page.setPadding(60, 160, 60, 60);
        TextView title = new TextView(this);
        title.setText("欢迎使用音乐");
        title.setTextSize(26);
        page.addView(title);
        TextView body = new TextView(this);
        body.setText("我们依据《个人信息保护指引》处理您的个人信息：为推荐歌曲，我们会收集设备信息与听歌记录。您可以在“隐私设置”中撤回同意。");
        body.setPadding(0, 60, 0, 90);
        page.addView(body);
        Button accept = new Button(this);
        accept.setText("同意并继续");
        accept.setOnClickListener(v -> { Privacy.store(this, true); finish(); });
        page.addView(accept, new LinearLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.WRAP_CONTENT));
        TextView refuse = new TextView(this);
        refuse.setText("不同意");
        refuse.setPadding(0, 48, 0, 48);
        refuse.setOnClickListener(v -> { Privacy.store(this, false); finish(); });
        page.addView(refuse);
        setContentView(page);
    }
}
