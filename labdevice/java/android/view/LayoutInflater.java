package android.view;

import android.content.Context;

/** The lab apps build their views in code; the inflater only carries the context. */
public class LayoutInflater {
    private final Context mContext;

    protected LayoutInflater(Context context) { mContext = context; }

    public static LayoutInflater from(Context context) { return new LayoutInflater(context); }

    public Context getContext() { return mContext; }
}
