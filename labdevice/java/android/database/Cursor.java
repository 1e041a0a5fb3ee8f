package android.database;

public interface Cursor extends java.io.Closeable {
    int getCount();
    boolean moveToNext();
    boolean moveToFirst();
    boolean moveToPosition(int position);
    int getColumnIndex(String columnName);
    String getString(int columnIndex);
    String[] getColumnNames();
    @Override void close();
}
