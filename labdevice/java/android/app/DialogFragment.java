package android.app;

import android.content.DialogInterface;
import android.os.Bundle;
import android.view.LayoutInflater;
import android.view.View;
import android.view.ViewGroup;

/**
 * A fragment that shows a dialog: show() adds it, the dialog comes from onCreateDialog and,
 * when onCreateView returns a view, that view becomes the dialog's content.
 */
public class DialogFragment extends Fragment implements DialogInterface.OnDismissListener, DialogInterface.OnCancelListener {
    private Dialog mDialog;
    private boolean mCancelable = true;

    public DialogFragment() {}

    public Dialog onCreateDialog(Bundle savedInstanceState) { return new Dialog(getActivity()); }

    public View onCreateView(LayoutInflater inflater, ViewGroup container, Bundle savedInstanceState) { return null; }

    public void show(FragmentManager manager, String tag) {
        manager.add(this, tag);
        mDialog = onCreateDialog(null);
        View view = onCreateView(LayoutInflater.from(getActivity()), null, null);
        if (view != null) mDialog.setContentView(view);
        mDialog.setCancelable(mCancelable);
        mDialog.setOnDismissListener(this);
        mDialog.setOnCancelListener(this);
        mDialog.show();
    }

    public void dismiss() {
        if (mDialog != null) mDialog.dismiss();
    }

    public Dialog getDialog() { return mDialog; }

    public void setCancelable(boolean cancelable) {
        mCancelable = cancelable;
        if (mDialog != null) mDialog.setCancelable(cancelable);
    }

    public boolean isCancelable() { return mCancelable; }

    @Override public void onDismiss(DialogInterface dialog) {
        FragmentManager fm = getFragmentManager();
        if (fm != null) fm.remove(this);
    }

    @Override public void onCancel(DialogInterface dialog) {}
}
