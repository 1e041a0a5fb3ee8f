package labdevice;

import android.app.Activity;
import android.view.View;
import android.widget.Button;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** The settings screen's "撤回同意" button; the host clicks it by its text. */
public final class WithdrawButton implements View.OnClickListener {
    public static final String TEXT = "撤回同意";

    private final CountDownLatch clicked = new CountDownLatch(1);

    public static WithdrawButton show(Activity activity) {
        WithdrawButton handler = new WithdrawButton();
        Button button = new Button(activity);
        button.setText(TEXT);
        button.setOnClickListener(handler);
        activity.setContentView(button);
        Lab.say("SETTINGS_SHOWN " + TEXT);
        return handler;
    }

    @Override public void onClick(View v) {
        if (clicked.getCount() > 0) {
            Lab.say("WITHDRAWN");
            clicked.countDown();
        }
    }

    /** True when the button was clicked within the timeout. */
    public boolean await(long timeoutMs) throws InterruptedException {
        boolean done = clicked.await(timeoutMs, TimeUnit.MILLISECONDS);
        if (!done) Lab.say("WITHDRAW none");
        return done;
    }
}
