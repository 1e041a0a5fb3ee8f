package android.app;

import android.content.Context;
import android.os.Bundle;

public class Fragment {
    private Activity mActivity;
    private String mTag;

    public Fragment() {}

    void attachTo(Activity activity, String tag) {
        mActivity = activity;
        mTag = tag;
        onAttach(activity);
        onCreate(null);
    }

    public void onAttach(Context context) {}
    public void onCreate(Bundle savedInstanceState) {}
    public void onDestroy() {}

    public final Activity getActivity() { return mActivity; }
    public Context getContext() { return mActivity; }
    public final String getTag() { return mTag; }
    public final boolean isAdded() { return mActivity != null; }
    public final FragmentManager getFragmentManager() { return mActivity == null ? null : mActivity.getFragmentManager(); }
}
