package cn.jiguang.api.utils;

import android.content.Context;

/** JIGUANG's consent switch: collection is allowed only after setAuth(context, true). */
public final class JCollectionAuth {
    private static volatile boolean authorized;

    private JCollectionAuth() {}

    public static void setAuth(Context context, boolean auth) { authorized = auth; }

    public static boolean getAuth(Context context) { return authorized; }
}
