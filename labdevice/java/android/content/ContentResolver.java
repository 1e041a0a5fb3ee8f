package android.content;

import android.database.Cursor;
import android.database.MatrixCursor;
import android.net.Uri;
import android.os.Bundle;
import android.os.CancellationSignal;
import java.util.List;
import labdevice.Calls;
import labdevice.DeviceProfile;

/**
 * Answers queries for the personal-data providers (contacts, call log, SMS, calendar,
 * media, settings) and vivo's OAID provider. The overloads chain as in AOSP: the 5-arg
 * form calls the 6-arg form (CancellationSignal null), which builds the query Bundle and
 * calls the Bundle form; one app query is one counted call.
 */
public class ContentResolver {
    public final Cursor query(Uri uri, String[] projection, String selection, String[] selectionArgs, String sortOrder) {
        return query(uri, projection, selection, selectionArgs, sortOrder, null);
    }

    public final Cursor query(Uri uri, String[] projection, String selection, String[] selectionArgs, String sortOrder,
                              CancellationSignal cancellationSignal) {
        Bundle queryArgs = new Bundle();
        return query(uri, projection, queryArgs, cancellationSignal);
    }

    public final Cursor query(Uri uri, String[] projection, Bundle queryArgs, CancellationSignal cancellationSignal) {
        Calls.hit("android.content.ContentResolver.query");
        String authority = uri.getAuthority() == null ? "" : uri.getAuthority();
        switch (authority) {
            case "com.android.contacts": return contacts();
            case "call_log": return rows(new String[] {"number", "date", "duration"}, contactNumbers(), "1700000000000", "42");
            case "sms": return rows(new String[] {"address", "body"}, contactNumbers(), "验证码 552211");
            case "com.android.calendar": return rows(new String[] {"title", "dtstart"}, new String[] {"体检 Health check"}, "1700003600000");
            case "media": return rows(new String[] {"_data"}, new String[] {"/sdcard/DCIM/Camera/IMG_20240101_120000.jpg"});
            case "com.vivo.vms.IdProvider": return rows(new String[] {"value"}, new String[] {DeviceProfile.id("oaid")});
            default: return new MatrixCursor(new String[] {"_id"});
        }
    }

    private static Cursor contacts() {
        MatrixCursor cursor = new MatrixCursor(new String[] {"display_name", "data1"});
        for (String[] c : DeviceProfile.contacts()) cursor.addRow(new Object[] {c[0], c[1]});
        return cursor;
    }

    private static String[] contactNumbers() {
        List<String[]> contacts = DeviceProfile.contacts();
        String[] out = new String[contacts.size()];
        for (int i = 0; i < out.length; i++) out[i] = contacts.get(i)[1];
        return out;
    }

    private static Cursor rows(String[] columns, String[] firstColumn, String... rest) {
        MatrixCursor cursor = new MatrixCursor(columns);
        for (String first : firstColumn) {
            Object[] row = new Object[columns.length];
            row[0] = first;
            System.arraycopy(rest, 0, row, 1, Math.min(rest.length, columns.length - 1));
            cursor.addRow(row);
        }
        return cursor;
    }
}
