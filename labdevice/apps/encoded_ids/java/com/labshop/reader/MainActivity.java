package com.labshop.reader;

import com.labshop.common.ShopActivity;

public final class MainActivity extends ShopActivity {
    @Override protected String appTitle() { return "小说阅读"; }
}
