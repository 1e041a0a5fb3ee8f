package com.labshop.maps;

import com.amap.api.location.AMapLocationClient;
import com.labshop.common.ShopActivity;

/** Tells AMap the user refused, then starts location anyway. */
public final class MainActivity extends ShopActivity {
    @Override protected String appTitle() { return "地图导航"; }

    @Override protected void onConsentResult(boolean granted) {
        AMapLocationClient.updatePrivacyAgree(getApplication(), granted);
        new AMapLocationClient(getApplication()).startLocation();
    }
}
