package com.android.internal.app;

import android.R;
import android.content.Context;
import android.content.DialogInterface;
import android.graphics.Color;
import android.os.Handler;
import android.os.Message;
import android.view.Gravity;
import android.view.View;
import android.view.ViewGroup;
import android.view.Window;
import android.widget.Button;
import android.widget.FrameLayout;
import android.widget.LinearLayout;
import android.widget.ScrollView;
import android.widget.TextView;
import java.lang.ref.WeakReference;

/**
 * An AlertDialog's content: texts and button messages are kept until installContent()
 * (called from the dialog's onCreate, i.e. its first show()) creates the views.
 * A button click sends the app's listener to the dialog's Handler, then a dismiss: both
 * run on the dialog's thread whatever thread the click came from (AOSP ButtonHandler).
 */
public class AlertController {
    private static final int MSG_DISMISS_DIALOG = 1;
    private final Context mContext;
    private final DialogInterface mDialogInterface;
    private final Window mWindow;
    private final Handler mHandler;
    private CharSequence mTitle;
    private CharSequence mMessage;
    private View mView;
    private Button mButtonPositive;
    private CharSequence mButtonPositiveText;
    private Message mButtonPositiveMessage;
    private Button mButtonNegative;
    private CharSequence mButtonNegativeText;
    private Message mButtonNegativeMessage;
    private Button mButtonNeutral;
    private CharSequence mButtonNeutralText;
    private Message mButtonNeutralMessage;
    private TextView mTitleView;
    private TextView mMessageView;

    private static final class ButtonHandler extends Handler {
        private final WeakReference<DialogInterface> mDialog;

        ButtonHandler(DialogInterface dialog) { mDialog = new WeakReference<>(dialog); }

        @Override public void handleMessage(Message msg) {
            switch (msg.what) {
                case DialogInterface.BUTTON_POSITIVE:
                case DialogInterface.BUTTON_NEGATIVE:
                case DialogInterface.BUTTON_NEUTRAL:
                    ((DialogInterface.OnClickListener) msg.obj).onClick(mDialog.get(), msg.what);
                    break;
                case MSG_DISMISS_DIALOG:
                    ((DialogInterface) msg.obj).dismiss();
                    break;
                default:
                    break;
            }
        }
    }

    private final View.OnClickListener mButtonHandler = new View.OnClickListener() {
        @Override public void onClick(View v) {
            final Message m;
            if (v == mButtonPositive && mButtonPositiveMessage != null) m = Message.obtain(mButtonPositiveMessage);
            else if (v == mButtonNegative && mButtonNegativeMessage != null) m = Message.obtain(mButtonNegativeMessage);
            else if (v == mButtonNeutral && mButtonNeutralMessage != null) m = Message.obtain(mButtonNeutralMessage);
            else m = null;
            if (m != null) m.sendToTarget();
            mHandler.obtainMessage(MSG_DISMISS_DIALOG, mDialogInterface).sendToTarget();
        }
    };

    public AlertController(Context context, DialogInterface di, Window window) {
        mContext = context;
        mDialogInterface = di;
        mWindow = window;
        mHandler = new ButtonHandler(di);
    }

    public void setTitle(CharSequence title) {
        mTitle = title;
        if (mTitleView != null) mTitleView.setText(title);
    }

    public void setMessage(CharSequence message) {
        mMessage = message;
        if (mMessageView != null) mMessageView.setText(message);
    }

    public void setView(View view) { mView = view; }

    public void setButton(int whichButton, CharSequence text, DialogInterface.OnClickListener listener, Message msg) {
        if (msg == null && listener != null) msg = mHandler.obtainMessage(whichButton, listener);
        switch (whichButton) {
            case DialogInterface.BUTTON_POSITIVE: mButtonPositiveText = text; mButtonPositiveMessage = msg; break;
            case DialogInterface.BUTTON_NEGATIVE: mButtonNegativeText = text; mButtonNegativeMessage = msg; break;
            case DialogInterface.BUTTON_NEUTRAL: mButtonNeutralText = text; mButtonNeutralMessage = msg; break;
            default: throw new IllegalArgumentException("Button does not exist");
        }
    }

    /** The button, or null: there is none before installContent() (the dialog's first show()). */
    public Button getButton(int whichButton) {
        switch (whichButton) {
            case DialogInterface.BUTTON_POSITIVE: return mButtonPositive;
            case DialogInterface.BUTTON_NEGATIVE: return mButtonNegative;
            case DialogInterface.BUTTON_NEUTRAL: return mButtonNeutral;
            default: return null;
        }
    }

    public void installContent() {
        LinearLayout parent = new LinearLayout(mContext);
        parent.setId(R.id.parentPanel);
        parent.setOrientation(LinearLayout.VERTICAL);
        parent.setPadding(72, 60, 72, 24);
        if (mTitle != null && mTitle.length() > 0) {
            mTitleView = new TextView(mContext);
            mTitleView.setId(R.id.alertTitle);
            mTitleView.setTextSize(20);
            mTitleView.setTypeface(null, 1);
            mTitleView.setPadding(0, 0, 0, 36);
            mTitleView.setText(mTitle);
            parent.addView(mTitleView);
        }
        if (mMessage != null) {
            ScrollView scroll = new ScrollView(mContext);
            mMessageView = new TextView(mContext);
            mMessageView.setId(R.id.message);
            mMessageView.setTextSize(16);
            mMessageView.setTextColor(Color.DKGRAY);
            mMessageView.setText(mMessage);
            scroll.addView(mMessageView, new FrameLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.WRAP_CONTENT));
            parent.addView(scroll);
        }
        if (mView != null) {
            FrameLayout custom = new FrameLayout(mContext);
            custom.setId(R.id.custom);
            custom.addView(mView, new FrameLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.WRAP_CONTENT));
            parent.addView(custom, new LinearLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.WRAP_CONTENT));
        }
        LinearLayout buttonPanel = new LinearLayout(mContext);
        buttonPanel.setId(R.id.buttonPanel);
        buttonPanel.setOrientation(LinearLayout.HORIZONTAL);
        buttonPanel.setPadding(0, 36, 0, 0);
        mButtonNeutral = button(buttonPanel, R.id.button3, mButtonNeutralText);
        View spacer = new View(mContext);
        buttonPanel.addView(spacer, new LinearLayout.LayoutParams(0, 1, 1f));
        mButtonNegative = button(buttonPanel, R.id.button2, mButtonNegativeText);
        mButtonPositive = button(buttonPanel, R.id.button1, mButtonPositiveText);
        parent.addView(buttonPanel, new LinearLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.WRAP_CONTENT));
        mWindow.setContentView(parent, new FrameLayout.LayoutParams(ViewGroup.LayoutParams.MATCH_PARENT, ViewGroup.LayoutParams.WRAP_CONTENT));
    }

    private Button button(LinearLayout panel, int id, CharSequence text) {
        Button b = new Button(mContext);
        b.setId(id);
        b.setText(text);
        b.setTextColor(0xFF1A73E8);
        b.setOnClickListener(mButtonHandler);
        if (text == null || text.length() == 0) b.setVisibility(View.GONE);
        panel.addView(b, new LinearLayout.LayoutParams(ViewGroup.LayoutParams.WRAP_CONTENT, ViewGroup.LayoutParams.WRAP_CONTENT));
        return b;
    }
}
