package android.app;

import java.util.HashMap;
import java.util.Map;

/** The fragments of one activity (enough for DialogFragment.show/dismiss). */
public class FragmentManager {
    private final Activity mHost;
    private final Map<String, Fragment> mAdded = new HashMap<>();

    FragmentManager(Activity host) { mHost = host; }

    void add(Fragment fragment, String tag) {
        fragment.attachTo(mHost, tag);
        if (tag != null) mAdded.put(tag, fragment);
    }

    void remove(Fragment fragment) { mAdded.values().remove(fragment); }

    public Fragment findFragmentByTag(String tag) { return mAdded.get(tag); }

    public boolean executePendingTransactions() { return false; }
}
