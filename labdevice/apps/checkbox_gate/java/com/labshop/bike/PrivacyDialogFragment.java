package com.labshop.bike;

import android.app.AlertDialog;
import android.app.Dialog;
import android.app.DialogFragment;
import android.os.Bundle;
import android.widget.Button;
import android.widget.CheckBox;
import android.widget.LinearLayout;
import android.widget.TextView;

public final class PrivacyDialogFragment extends DialogFragment {
    public static final String CHECKBOX = "我已阅读并同意《隐私政策》";

    @Override public Dialog onCreateDialog(Bundle savedInstanceState) {
        MainActivity activity = (MainActivity) getActivity();
        LinearLayout content = new LinearLayout(activity);
        content.setOrientation(LinearLayout.VERTICAL);
        content.setPadding(60, 60, 60, 30);
        TextView title = new TextView(activity);
        title.setText("隐私政策");
        title.setTextSize(20);
        content.addView(title);
        TextView body = new TextView(activity);
        body.setText("骑行需要获取您的位置信息与设备信息。");
        body.setPadding(0, 30, 0, 30);
        content.addView(body);
        CheckBox agree = new CheckBox(activity);
        agree.setText(CHECKBOX);
        content.addView(agree);
        Button accept = new Button(activity);
        accept.setText("同意");
        accept.setEnabled(false);
        Button refuse = new Button(activity);
        refuse.setText("不同意");
        content.addView(accept);
        content.addView(refuse);
        agree.setOnCheckedChangeListener((box, checked) -> accept.setEnabled(checked));
        accept.setOnClickListener(v -> { dismiss(); activity.onPrivacyChoice(true); });
        refuse.setOnClickListener(v -> { dismiss(); activity.onPrivacyChoice(false); });
        return new AlertDialog.Builder(activity).setView(content).create();
    }
}
