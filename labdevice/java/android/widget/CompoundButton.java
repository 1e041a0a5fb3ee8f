package android.widget;

import android.content.Context;

/** A two-state button: a click toggles it, then runs the click listener (AOSP order). */
public abstract class CompoundButton extends Button {
    private boolean checked;
    private boolean broadcasting;
    private OnCheckedChangeListener onCheckedChangeListener;

    public CompoundButton(Context context) {
        super(context);
        setGravity(android.view.Gravity.CENTER_VERTICAL | android.view.Gravity.START);
        setPadding(120, 24, 24, 24);
    }

    public interface OnCheckedChangeListener {
        void onCheckedChanged(CompoundButton buttonView, boolean isChecked);
    }

    public boolean isChecked() { return checked; }

    public void setChecked(boolean checked) {
        if (this.checked == checked) return;
        this.checked = checked;
        invalidate();
        if (broadcasting) return;
        broadcasting = true;
        if (onCheckedChangeListener != null) onCheckedChangeListener.onCheckedChanged(this, checked);
        broadcasting = false;
    }

    public void toggle() { setChecked(!checked); }

    @Override public boolean performClick() {
        toggle();
        return super.performClick();
    }

    public void setOnCheckedChangeListener(OnCheckedChangeListener listener) { onCheckedChangeListener = listener; }

    @Override protected int minWidth() { return 0; }
    @Override protected int minHeight() { return 96; }

    @Override public CharSequence getAccessibilityClassName() { return CompoundButton.class.getName(); }
}
