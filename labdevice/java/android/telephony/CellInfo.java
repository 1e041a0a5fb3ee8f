package android.telephony;

/** One visible cell: "mcc-mnc-lac-cid" as the profile's cell_id. */
public class CellInfo {
    private final String cellId;

    public CellInfo(String cellId) { this.cellId = cellId; }

    public String getCellId() { return cellId; }

    @Override public String toString() { return "CellInfo{" + cellId + "}"; }
}
