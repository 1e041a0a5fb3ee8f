package android.app;

import android.content.Context;
import android.content.DialogInterface;
import android.os.Bundle;
import android.view.View;
import android.widget.Button;
import com.android.internal.app.AlertController;

/** A dialog with title, message, optional custom view and up to three buttons, created on the first show(). */
public class AlertDialog extends Dialog implements DialogInterface {
    private final AlertController mAlert;

    protected AlertDialog(Context context) { this(context, 0); }

    protected AlertDialog(Context context, int themeResId) {
        super(context, themeResId);
        mAlert = new AlertController(getContext(), this, getWindow());
    }

    @Override public void setTitle(CharSequence title) {
        super.setTitle(title);
        mAlert.setTitle(title);
    }

    public void setMessage(CharSequence message) { mAlert.setMessage(message); }

    public void setView(View view) { mAlert.setView(view); }

    public void setButton(int whichButton, CharSequence text, DialogInterface.OnClickListener listener) {
        mAlert.setButton(whichButton, text, listener, null);
    }

    /** BUTTON_POSITIVE/NEGATIVE/NEUTRAL; null before the dialog was shown, as on Android. */
    public Button getButton(int whichButton) { return mAlert.getButton(whichButton); }

    @Override protected void onCreate(Bundle savedInstanceState) {
        super.onCreate(savedInstanceState);
        mAlert.installContent();
    }

    public static class Builder {
        private final Context context;
        private CharSequence title;
        private CharSequence message;
        private View view;
        private CharSequence positiveText;
        private CharSequence negativeText;
        private CharSequence neutralText;
        private DialogInterface.OnClickListener positiveListener;
        private DialogInterface.OnClickListener negativeListener;
        private DialogInterface.OnClickListener neutralListener;
        private DialogInterface.OnCancelListener cancelListener;
        private DialogInterface.OnDismissListener dismissListener;
        private boolean cancelable = true;

        public Builder(Context context) { this.context = context; }
        public Builder(Context context, int themeResId) { this.context = context; }

        public Context getContext() { return context; }
        public Builder setTitle(CharSequence title) { this.title = title; return this; }
        public Builder setMessage(CharSequence message) { this.message = message; return this; }
        public Builder setView(View view) { this.view = view; return this; }
        public Builder setIcon(int iconId) { return this; }
        public Builder setCancelable(boolean cancelable) { this.cancelable = cancelable; return this; }
        public Builder setOnCancelListener(DialogInterface.OnCancelListener l) { cancelListener = l; return this; }
        public Builder setOnDismissListener(DialogInterface.OnDismissListener l) { dismissListener = l; return this; }

        public Builder setPositiveButton(CharSequence text, DialogInterface.OnClickListener listener) {
            positiveText = text;
            positiveListener = listener;
            return this;
        }

        public Builder setNegativeButton(CharSequence text, DialogInterface.OnClickListener listener) {
            negativeText = text;
            negativeListener = listener;
            return this;
        }

        public Builder setNeutralButton(CharSequence text, DialogInterface.OnClickListener listener) {
            neutralText = text;
            neutralListener = listener;
            return this;
        }

        public AlertDialog create() {
            AlertDialog dialog = new AlertDialog(context, 0);
            if (title != null) dialog.setTitle(title);
            if (message != null) dialog.setMessage(message);
            if (view != null) dialog.setView(view);
            if (positiveText != null) dialog.setButton(BUTTON_POSITIVE, positiveText, positiveListener);
            if (negativeText != null) dialog.setButton(BUTTON_NEGATIVE, negativeText, negativeListener);
            if (neutralText != null) dialog.setButton(BUTTON_NEUTRAL, neutralText, neutralListener);
            dialog.setCancelable(cancelable);
            if (cancelable) dialog.setCanceledOnTouchOutside(true);
            dialog.setOnCancelListener(cancelListener);
            dialog.setOnDismissListener(dismissListener);
            return dialog;
        }

        public AlertDialog show() {
            AlertDialog dialog = create();
            dialog.show();
            return dialog;
        }
    }
}
