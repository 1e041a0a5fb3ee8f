package com.labshop.notes;

import com.labshop.common.ShopActivity;
import com.umeng.commonsdk.UMConfigure;

public final class MainActivity extends ShopActivity {
    @Override protected String appTitle() { return "笔记"; }

    @Override protected boolean shouldAskNow() { return NotesApplication.launch >= 2; }

    @Override protected void onConsentResult(boolean granted) {
        UMConfigure.submitPolicyGrantResult(getApplication(), granted);
        if (granted) UMConfigure.init(getApplication(), "66f1a2b3c4d5e6f7a8b9c0d1", "labstore", UMConfigure.DEVICE_TYPE_PHONE, "");
    }
}
