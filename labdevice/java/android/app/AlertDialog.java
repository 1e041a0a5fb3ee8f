package android.app;

import android.content.Context;
import android.content.DialogInterface;
import android.view.View;
import android.widget.Button;

public class AlertDialog extends Dialog {
    private CharSequence message;
    private Button positiveButton;
    private Button negativeButton;

    protected AlertDialog(Context context) { super(context); }

    public void setMessage(CharSequence message) { this.message = message; }

    public void setButton(int whichButton, CharSequence text, DialogInterface.OnClickListener listener) {
        Button button = new Button(getContext());
        button.setText(text);
        button.setOnClickListener(new ButtonHandler(this, whichButton, listener));
        if (whichButton == BUTTON_POSITIVE) positiveButton = button;
        else if (whichButton == BUTTON_NEGATIVE) negativeButton = button;
    }

    /** BUTTON_POSITIVE or BUTTON_NEGATIVE; null for a button the dialog does not have. */
    public Button getButton(int whichButton) {
        switch (whichButton) {
            case BUTTON_POSITIVE: return positiveButton;
            case BUTTON_NEGATIVE: return negativeButton;
            default: return null;
        }
    }

    /** Forwards a tap on a dialog button to the app's DialogInterface listener, then closes the dialog. */
    private static final class ButtonHandler implements View.OnClickListener {
        private final AlertDialog dialog;
        private final int which;
        private final DialogInterface.OnClickListener listener;

        ButtonHandler(AlertDialog dialog, int which, DialogInterface.OnClickListener listener) {
            this.dialog = dialog;
            this.which = which;
            this.listener = listener;
        }

        @Override public void onClick(View v) {
            if (listener != null) listener.onClick(dialog, which);
            dialog.dismiss();
        }
    }

    public static class Builder {
        private final Context context;
        private CharSequence title;
        private CharSequence message;
        private CharSequence positiveText;
        private CharSequence negativeText;
        private DialogInterface.OnClickListener positiveListener;
        private DialogInterface.OnClickListener negativeListener;
        private boolean cancelable = true;

        public Builder(Context context) { this.context = context; }

        public Builder setTitle(CharSequence title) { this.title = title; return this; }
        public Builder setMessage(CharSequence message) { this.message = message; return this; }
        public Builder setCancelable(boolean cancelable) { this.cancelable = cancelable; return this; }

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

        public AlertDialog create() {
            AlertDialog dialog = new AlertDialog(context);
            dialog.setTitle(title);
            dialog.setMessage(message);
            if (positiveText != null) dialog.setButton(BUTTON_POSITIVE, positiveText, positiveListener);
            if (negativeText != null) dialog.setButton(BUTTON_NEGATIVE, negativeText, negativeListener);
            return dialog;
        }

        public AlertDialog show() {
            AlertDialog dialog = create();
            dialog.show();
            return dialog;
        }
    }
}
