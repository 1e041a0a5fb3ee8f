package com.labshop.game;

import com.labshop.common.ShopActivity;

public final class MainActivity extends ShopActivity {
    @Override protected String appTitle() { return "消除游戏"; }
}
