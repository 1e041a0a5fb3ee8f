package labdevice;

import android.app.Activity;
import android.app.AlertDialog;
import android.content.DialogInterface;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The privacy-policy dialog. Nothing in the app clicks it: the host does, through the
 * dialog's buttons; without a click it times out and the answer is "none".
 */
public final class ConsentPrompt {
    public static final String TITLE = "用户协议与隐私政策";
    public static final String MESSAGE = "我们会收集设备信息（IMEI、Android ID、位置）用于统计分析与推送。点击“同意”即表示您已阅读并同意《隐私政策》。";
    public static final String ACCEPT = "同意";
    public static final String REFUSE = "不同意";

    private final AtomicReference<String> answer = new AtomicReference<>();
    private final CountDownLatch decided = new CountDownLatch(1);
    private AlertDialog dialog;

    public static ConsentPrompt show(Activity activity) {
        ConsentPrompt prompt = new ConsentPrompt();
        prompt.dialog = new AlertDialog.Builder(activity)
            .setTitle(TITLE)
            .setMessage(MESSAGE)
            .setCancelable(false)
            .setPositiveButton(ACCEPT, new Answer(prompt, "accept"))
            .setNegativeButton(REFUSE, new Answer(prompt, "refuse"))
            .create();
        prompt.dialog.show();
        return prompt;
    }

    /** "accept", "refuse" or "none" (no click within the timeout). */
    public String await(long timeoutMs) throws InterruptedException {
        if (!decided.await(timeoutMs, TimeUnit.MILLISECONDS) && answer.compareAndSet(null, "none")) {
            dialog.dismiss();
            Lab.say("CONSENT none");
        }
        return answer.get();
    }

    private static final class Answer implements DialogInterface.OnClickListener {
        private final ConsentPrompt prompt;
        private final String choice;

        Answer(ConsentPrompt prompt, String choice) {
            this.prompt = prompt;
            this.choice = choice;
        }

        @Override public void onClick(DialogInterface dialog, int which) {
            if (prompt.answer.compareAndSet(null, choice)) {
                Lab.say("CONSENT " + choice);
                prompt.decided.countDown();
            }
        }
    }
}
