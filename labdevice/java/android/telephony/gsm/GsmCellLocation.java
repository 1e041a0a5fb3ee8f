package android.telephony.gsm;

import android.telephony.CellLocation;

public class GsmCellLocation extends CellLocation {
    private final int lac;
    private final int cid;

    public GsmCellLocation(int lac, int cid) { this.lac = lac; this.cid = cid; }

    public int getLac() { return lac; }
    public int getCid() { return cid; }

    @Override public String toString() { return "[" + lac + "," + cid + ",-1]"; }
}
