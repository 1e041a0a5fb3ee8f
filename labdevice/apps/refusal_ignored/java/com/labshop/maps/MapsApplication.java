package com.labshop.maps;

import android.app.Application;
import com.amap.api.location.AMapLocationClient;

public final class MapsApplication extends Application {
    @Override public void onCreate() {
        super.onCreate();
        AMapLocationClient.updatePrivacyShow(this, true, true);
    }
}
