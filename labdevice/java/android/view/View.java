package android.view;

import android.content.Context;

public class View {
    private final Context context;
    private OnClickListener onClickListener;
    private int id = -1;

    public View(Context context) { this.context = context; }

    public Context getContext() { return context; }
    public int getId() { return id; }
    public void setId(int id) { this.id = id; }

    public void setOnClickListener(OnClickListener listener) { onClickListener = listener; }

    /** Runs the click listener, as a tap does; true when there was one. */
    public boolean performClick() {
        OnClickListener listener = onClickListener;
        if (listener == null) return false;
        listener.onClick(this);
        return true;
    }

    public interface OnClickListener {
        void onClick(View v);
    }
}
