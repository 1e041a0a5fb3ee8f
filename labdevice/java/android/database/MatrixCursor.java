package android.database;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

public class MatrixCursor implements Cursor {
    private final String[] columns;
    private final List<String[]> rows = new ArrayList<>();
    private int position = -1;

    public MatrixCursor(String[] columnNames) { this.columns = columnNames.clone(); }

    public void addRow(Object[] values) {
        String[] row = new String[columns.length];
        for (int i = 0; i < row.length && i < values.length; i++) row[i] = values[i] == null ? null : values[i].toString();
        rows.add(row);
    }

    @Override public int getCount() { return rows.size(); }
    @Override public boolean moveToNext() { if (position + 1 >= rows.size()) return false; position++; return true; }
    @Override public boolean moveToFirst() { position = 0; return !rows.isEmpty(); }
    /** As AbstractCursor.moveToPosition: out of range parks before the first or after the last row. */
    @Override public boolean moveToPosition(int target) {
        if (target < 0) { position = -1; return false; }
        if (target >= rows.size()) { position = rows.size(); return false; }
        position = target;
        return true;
    }
    @Override public int getColumnIndex(String name) { return Arrays.asList(columns).indexOf(name); }
    @Override public String getString(int i) { return rows.get(position)[i]; }
    @Override public String[] getColumnNames() { return columns.clone(); }
    @Override public void close() { position = rows.size(); }
}
